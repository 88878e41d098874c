package chart

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"strings"
	"sync"
	"testing"
)

var weekDays = []string{"Mon 16 Nov", "Tue 17 Nov", "Wed 18 Nov", "Thu 19 Nov", "Fri 20 Nov", "Sat 21 Nov", "Sun 22 Nov"}

// sampleWeek is a plausible on-call week: business-hours noise, a bad
// Wednesday afternoon and a couple of night pages.
func sampleWeek() [][24]int {
	counts := make([][24]int, len(weekDays))
	for d := range 5 {
		for h := 9; h < 18; h++ {
			counts[d][h] = (d*7 + h*3) % 4
		}
	}
	counts[2][14], counts[2][15], counts[2][16] = 9, 14, 6
	counts[0][3] = 2
	counts[4][23] = 1
	counts[5][2] = 3
	counts[6][11] = 1
	return counts
}

func decode(t testing.TB, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("output is not a PNG: %v", err)
	}
	if got := img.Bounds().Size(); got != (image.Point{X: WidthPx, Y: HeightPx}) {
		t.Fatalf("size = %v, want %dx%d", got, WidthPx, HeightPx)
	}
	return img
}

func colours(img image.Image) map[color.RGBA]int {
	seen := map[color.RGBA]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[color.RGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(bl >> 8), A: uint8(a >> 8)}]++
		}
	}
	return seen
}

func TestHeatmap(t *testing.T) {
	b, err := Heatmap("Interruptions by hour, Europe/Berlin", weekDays, sampleWeek())
	if err != nil {
		t.Fatal(err)
	}
	img := decode(t, b)

	seen := colours(img)
	if len(seen) <= 2 {
		t.Fatalf("image has %d colours, want a drawn chart", len(seen))
	}
	// Background is white.
	for _, pt := range []image.Point{{0, 0}, {WidthPx - 1, 0}, {0, HeightPx - 1}, {WidthPx - 1, HeightPx - 1}} {
		if r, g, bl, _ := img.At(pt.X, pt.Y).RGBA(); r != 0xffff || g != 0xffff || bl != 0xffff {
			t.Errorf("corner %v is not white", pt)
		}
	}
	// The palette end points are used: the darkest red for the max count.
	if seen[ramp[len(ramp)-1]] == 0 {
		t.Errorf("darkest palette colour %v not found for the max cell", ramp[len(ramp)-1])
	}
}

func TestHeatmapEmpty(t *testing.T) {
	tests := []struct {
		name   string
		days   []string
		counts [][24]int
	}{
		{"all zero", weekDays, make([][24]int, len(weekDays))},
		{"no days", nil, nil},
		{"empty slices", []string{}, [][24]int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Heatmap("Quiet week", tt.days, tt.counts)
			if err != nil {
				t.Fatal(err)
			}
			img := decode(t, b)
			if len(colours(img)) <= 2 {
				t.Error("expected title and note to be drawn")
			}
		})
	}
}

func TestHeatmapSingleDayAndEmptyTitle(t *testing.T) {
	var row [24]int
	row[10] = 1
	b, err := Heatmap("", []string{"Mon 16 Nov"}, [][24]int{row})
	if err != nil {
		t.Fatal(err)
	}
	decode(t, b)
}

func TestHeatmapValidation(t *testing.T) {
	_, err := Heatmap("x", []string{"Mon", "Tue"}, make([][24]int, 1))
	if err == nil || !strings.Contains(err.Error(), "2 day labels but 1 rows") {
		t.Fatalf("mismatched lengths: err = %v", err)
	}
	_, err = Heatmap("x", nil, make([][24]int, 3))
	if err == nil {
		t.Fatal("nil days with counts: want error")
	}
	var row [24]int
	row[5] = -1
	if _, err := Heatmap("x", []string{"Mon"}, [][24]int{row}); err == nil {
		t.Fatal("negative count: want error")
	}
}

func TestHeatmapConcurrent(t *testing.T) {
	counts := sampleWeek()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if _, err := Heatmap("concurrent", weekDays, counts); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

func TestLegendValues(t *testing.T) {
	for _, tt := range []struct {
		max  int
		want []int
	}{
		{0, []int{}},
		{3, []int{1, 2, 3}},
		{6, []int{1, 2, 3, 4, 5, 6}},
		{7, []int{1, 2, 3, 5, 6, 7}},
		{14, []int{1, 4, 6, 9, 11, 14}},
	} {
		got := legendValues(tt.max)
		if len(got) != len(tt.want) {
			t.Errorf("legendValues(%d) = %v, want %v", tt.max, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("legendValues(%d) = %v, want %v", tt.max, got, tt.want)
				break
			}
		}
	}
}

// TestWriteExample writes a sample chart for eyeballing:
//
//	HEATMAP_EXAMPLE=/tmp/heatmap-example.png go test -run TestWriteExample ./summary/chart
func TestWriteExample(t *testing.T) {
	path := os.Getenv("HEATMAP_EXAMPLE")
	if path == "" {
		t.Skip("set HEATMAP_EXAMPLE to a file path to write an example chart")
	}
	b, err := Heatmap("Interruptions by hour, week of 16 Nov (Europe/Berlin)", weekDays, sampleWeek())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if p := os.Getenv("HEATMAP_EXAMPLE_EMPTY"); p != "" {
		b, err := Heatmap("Interruptions by hour, week of 23 Nov (Europe/Berlin)", weekDays, make([][24]int, len(weekDays)))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func BenchmarkHeatmap(b *testing.B) {
	counts := sampleWeek()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Heatmap("Interruptions by hour", weekDays, counts); err != nil {
			b.Fatal(err)
		}
	}
}
