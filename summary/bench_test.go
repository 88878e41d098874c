package summary

import "testing"

// BenchmarkCompute summarises a week of 5,000 incidents.
func BenchmarkCompute(b *testing.B) {
	in := genWeek(b, 5000)
	b.ReportAllocs()
	for b.Loop() {
		Compute(in)
	}
}

// BenchmarkText renders that week's report.
func BenchmarkText(b *testing.B) {
	r := Compute(genWeek(b, 5000))
	b.ReportAllocs()
	for b.Loop() {
		_ = r.Text()
	}
}
