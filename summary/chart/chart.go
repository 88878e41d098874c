// Package chart renders the images posted with Baton's weekly summary.
//
// Charts are drawn with gonum.org/v1/plot onto a raster canvas and encoded as
// PNG, sized to stay readable when Slack shows them inline.
package chart

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"math"
	"strconv"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Output size of the heatmap in pixels.
const (
	WidthPx  = 1000
	HeightPx = 420
)

const (
	dpi = 96
	// px converts a length in pixels into vg units (points) at dpi.
	px = vg.Inch / dpi

	// Sleep hours are [sleepStart, 24) and [0, sleepEnd) local time.
	sleepStart = 22
	sleepEnd   = 8

	// minSpan is the smallest count range the colour scale stretches over,
	// so that a quiet week (max 1 or 2) is not painted in the darkest red.
	minSpan = 4

	noInterruptions = "No interruptions"
)

var (
	sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

	white     = color.RGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
	black     = color.RGBA{A: 0xff}
	darkGrey  = color.RGBA{R: 0x44, G: 0x44, B: 0x44, A: 0xff}
	midGrey   = color.RGBA{R: 0x77, G: 0x77, B: 0x77, A: 0xff}
	gridGrey  = color.RGBA{R: 0xd4, G: 0xd4, B: 0xd4, A: 0xff}
	sleepTint = color.RGBA{R: 0xe9, G: 0xec, B: 0xf3, A: 0xff}

	// ramp is ColorBrewer YlOrRd without its first (almost white) step,
	// from light yellow to dark red.
	ramp = []color.RGBA{
		{R: 0xff, G: 0xed, B: 0xa0, A: 0xff},
		{R: 0xfe, G: 0xd9, B: 0x76, A: 0xff},
		{R: 0xfe, G: 0xb2, B: 0x4c, A: 0xff},
		{R: 0xfd, G: 0x8d, B: 0x3c, A: 0xff},
		{R: 0xfc, G: 0x4e, B: 0x2a, A: 0xff},
		{R: 0xe3, G: 0x1a, B: 0x1c, A: 0xff},
		{R: 0xbd, G: 0x00, B: 0x26, A: 0xff},
		{R: 0x80, G: 0x00, B: 0x26, A: 0xff},
	}
)

// Heatmap renders interruptions by day and local hour as a PNG.
// days are the row labels (e.g. "Mon 16 Nov"), counts[i][h] the interruptions on day i at hour h.
//
// The first day is drawn at the top, hours 00..23 run left to right. Cells
// are white for zero and go from light yellow to dark red as the count grows;
// every non-zero cell shows its count. Empty cells in the sleep hours
// 22:00-08:00 are tinted grey-blue. With no days or no interruptions at all
// the image still renders, with a "No interruptions" note.
func Heatmap(title string, days []string, counts [][24]int) ([]byte, error) {
	if len(days) != len(counts) {
		return nil, fmt.Errorf("chart: heatmap has %d day labels but %d rows of counts", len(days), len(counts))
	}
	maxCount, total := 0, 0
	for i, row := range counts {
		for h, c := range row {
			if c < 0 {
				return nil, fmt.Errorf("chart: negative count %d for %q at hour %02d", c, days[i], h)
			}
			maxCount = max(maxCount, c)
			total += c
		}
	}

	p := plot.New()
	p.BackgroundColor = white
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(bold(sans), 15)
	p.Title.Padding = 10 * px

	g := &grid{days: days, counts: counts, max: maxCount, total: total}
	setupAxes(p, g)
	p.Add(g)

	c := vgimg.NewWith(
		vgimg.UseWH(WidthPx*px, HeightPx*px),
		vgimg.UseDPI(dpi),
		vgimg.UseBackgroundColor(white),
	)
	dc := draw.New(c)
	// Outer margins, then a strip on the right for the legend.
	const legendW = 120 * px
	area := draw.Crop(dc, 10*px, -10*px, 8*px, -10*px)
	plotArea := draw.Crop(area, 0, -legendW, 0, 0)
	p.Draw(plotArea)

	data := p.DataCanvas(plotArea)
	legendArea := area
	legendArea.Min.X = data.Max.X + 16*px
	legendArea.Max.Y = data.Max.Y
	legendArea.Min.Y = data.Min.Y
	g.drawLegend(legendArea)

	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("chart: encoding heatmap: %w", err)
	}
	if buf.Len() == 0 {
		return nil, errors.New("chart: heatmap encoded to an empty PNG")
	}
	return buf.Bytes(), nil
}

func bold(f font.Font) font.Font {
	f.Weight = xfont.WeightBold
	return f
}

func setupAxes(p *plot.Plot, g *grid) {
	rows := len(g.days)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.LineStyle.Color = color.Transparent
		a.LineStyle.Width = 0
		a.Tick.Length = 0
		a.Tick.Label.Font = font.From(sans, 10)
		a.Tick.Label.Color = darkGrey
		a.Padding = 5 * px
	}
	p.Y.Tick.Label.Font = font.From(sans, 10.5)
	p.Y.Tick.Label.Color = black

	// Cells span [h, h+1] x [row, row+1]; ticks sit at cell centres.
	xt := make(plot.ConstantTicks, 24)
	for h := range xt {
		xt[h] = plot.Tick{Value: float64(h) + 0.5, Label: fmt.Sprintf("%02d", h)}
	}
	p.X.Tick.Marker = xt
	p.X.Min, p.X.Max = 0, 24

	yt := make(plot.ConstantTicks, rows)
	for i, d := range g.days {
		yt[i] = plot.Tick{Value: g.rowY(i) + 0.5, Label: d}
	}
	p.Y.Tick.Marker = yt
	p.Y.Min, p.Y.Max = 0, float64(max(rows, 1))
}

// grid is a plot.Plotter drawing the heatmap cells, their counts and the
// "No interruptions" note.
type grid struct {
	days   []string
	counts [][24]int
	max    int
	total  int
}

// rowY is the data y coordinate of the bottom of row i: row 0 is at the top.
func (g *grid) rowY(i int) float64 { return float64(len(g.days) - 1 - i) }

func sleepHour(h int) bool { return h >= sleepStart || h < sleepEnd }

// cellColor maps a count to its fill colour.
func (g *grid) cellColor(c, h int) color.Color {
	if c <= 0 {
		if sleepHour(h) {
			return sleepTint
		}
		return white
	}
	span := max(g.max-1, minSpan)
	t := float64(c-1) / float64(span)
	return rampAt(t)
}

// rampAt interpolates ramp at t in [0, 1].
func rampAt(t float64) color.RGBA {
	t = math.Max(0, math.Min(1, t))
	f := t * float64(len(ramp)-1)
	i := int(f)
	if i >= len(ramp)-1 {
		return ramp[len(ramp)-1]
	}
	a, b, u := ramp[i], ramp[i+1], f-float64(i)
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + (float64(y)-float64(x))*u)) }
	return color.RGBA{R: mix(a.R, b.R), G: mix(a.G, b.G), B: mix(a.B, b.B), A: 0xff}
}

// textOn picks black or white text for legibility on background bg.
func textOn(bg color.Color) color.Color {
	r, gg, b, _ := bg.RGBA()
	lum := (0.299*float64(r) + 0.587*float64(gg) + 0.114*float64(b)) / 0xffff
	if lum < 0.55 {
		return white
	}
	return black
}

func textStyle(f font.Font, size vg.Length, c color.Color) text.Style {
	return text.Style{
		Color:   c,
		Font:    font.From(f, size),
		XAlign:  draw.XCenter,
		YAlign:  draw.YCenter,
		Handler: plot.DefaultTextHandler,
	}
}

// Plot implements plot.Plotter.
func (g *grid) Plot(c draw.Canvas, p *plot.Plot) {
	tx, ty := p.Transforms(&c)
	rows := len(g.days)

	if rows > 0 {
		cellW := tx(1) - tx(0)
		cellH := ty(1) - ty(0)
		// Count labels: as large as 10.5pt, smaller when cells are small.
		size := vg.Length(math.Min(10.5, math.Min(float64(cellH)*0.6, float64(cellW)*0.42)))
		for i, row := range g.counts {
			y0, y1 := ty(g.rowY(i)), ty(g.rowY(i)+1)
			for h, n := range row {
				x0, x1 := tx(float64(h)), tx(float64(h+1))
				bg := g.cellColor(n, h)
				c.FillPolygon(bg, []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
				if n > 0 {
					f := sans
					if n*2 > g.max || n >= 10 {
						f = bold(f)
					}
					sty := textStyle(f, size, textOn(bg))
					c.FillText(sty, vg.Point{X: (x0 + x1) / 2, Y: (y0 + y1) / 2}, strconv.Itoa(n))
				}
			}
		}

		line := draw.LineStyle{Color: gridGrey, Width: 0.75 * px}
		left, right := tx(0), tx(24)
		bottom, top := ty(0), ty(float64(rows))
		for r := 0; r <= rows; r++ {
			y := ty(float64(r))
			c.StrokeLine2(line, left, y, right, y)
		}
		for h := 0; h <= 24; h++ {
			x := tx(float64(h))
			c.StrokeLine2(line, x, bottom, x, top)
		}
		// Separate the night (22-08) from the day with darker rules.
		night := draw.LineStyle{Color: midGrey, Width: 1.5 * px, Dashes: []vg.Length{4 * px, 3 * px}}
		for _, h := range []int{sleepEnd, sleepStart} {
			x := tx(float64(h))
			c.StrokeLine2(night, x, bottom, x, top)
		}
	}

	if g.total == 0 {
		g.drawNote(c)
	}
}

// drawNote writes "No interruptions" in the middle of the data area on a
// white box so it stays readable over the (empty) grid.
func (g *grid) drawNote(c draw.Canvas) {
	sty := textStyle(bold(sans), 16, darkGrey)
	r := sty.Rectangle(noInterruptions)
	w, h := r.Size().X+28*px, r.Size().Y+16*px
	ctr := c.Center()
	box := []vg.Point{
		{X: ctr.X - w/2, Y: ctr.Y - h/2}, {X: ctr.X + w/2, Y: ctr.Y - h/2},
		{X: ctr.X + w/2, Y: ctr.Y + h/2}, {X: ctr.X - w/2, Y: ctr.Y + h/2},
	}
	c.FillPolygon(white, box)
	c.StrokeLines(draw.LineStyle{Color: gridGrey, Width: 1 * px}, append(box, box[0]))
	c.FillText(sty, ctr, noInterruptions)
}

// legendValues picks the counts shown in the legend: every value up to 6,
// otherwise six values spread evenly from 1 to max.
func legendValues(maxCount int) []int {
	if maxCount <= 6 {
		vs := make([]int, maxCount)
		for i := range vs {
			vs[i] = i + 1
		}
		return vs
	}
	const n = 6
	vs := make([]int, 0, n)
	for i := range n {
		v := 1 + int(math.Round(float64(i)*float64(maxCount-1)/float64(n-1)))
		if len(vs) == 0 || v != vs[len(vs)-1] {
			vs = append(vs, v)
		}
	}
	return vs
}

// drawLegend draws the colour key, the sleep-hours key and the total in c,
// top-aligned with the grid.
func (g *grid) drawLegend(c draw.Canvas) {
	const (
		sw  = 16 * px // swatch size
		gap = 5 * px
	)
	head := textStyle(bold(sans), 10, black)
	head.XAlign, head.YAlign = draw.XLeft, draw.YTop
	lbl := textStyle(sans, 9.5, darkGrey)
	lbl.XAlign = draw.XLeft

	x := c.Min.X
	y := c.Max.Y
	c.FillText(head, vg.Point{X: x, Y: y}, "Interruptions")
	y -= head.Height("Interruptions") + 6*px

	swatch := func(fill color.Color, label string) {
		pts := []vg.Point{{X: x, Y: y - sw}, {X: x + sw, Y: y - sw}, {X: x + sw, Y: y}, {X: x, Y: y}}
		c.FillPolygon(fill, pts)
		c.StrokeLines(draw.LineStyle{Color: gridGrey, Width: 0.75 * px}, append(pts, pts[0]))
		c.FillText(lbl, vg.Point{X: x + sw + 6*px, Y: y - sw/2}, label)
		y -= sw + gap
	}
	swatch(white, "0")
	for _, v := range legendValues(g.max) {
		swatch(g.cellColor(v, 12), strconv.Itoa(v))
	}
	y -= 6 * px
	swatch(sleepTint, "0, night 22–08")

	y -= 6 * px
	tot := textStyle(bold(sans), 10, black)
	tot.XAlign, tot.YAlign = draw.XLeft, draw.YTop
	c.FillText(tot, vg.Point{X: x, Y: y}, "Total: "+strconv.Itoa(g.total))
}
