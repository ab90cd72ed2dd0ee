package plot

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
)

func TestGlyphsAreFiveBySeven(t *testing.T) {
	for r, g := range glyphs {
		rows := strings.Split(g, "|")
		if len(rows) != glyphH {
			t.Errorf("%q has %d rows, want %d", r, len(rows), glyphH)
		}
		for _, row := range rows {
			if len(row) != glyphW || strings.Trim(row, ".#") != "" {
				t.Errorf("%q: row %q is not %d cells of '.' and '#'", r, row, glyphW)
			}
		}
	}
}

func TestNiceCeilAndTicks(t *testing.T) {
	for _, tc := range []struct {
		v, top float64
		ticks  int
	}{
		{0, 1, 6}, {1, 1, 6}, {7, 10, 6}, {12, 20, 5}, {210, 250, 6}, {336, 500, 6}, {100000, 100000, 6}, {100001, 200000, 5}, {0.3, 0.5, 6},
	} {
		top := niceCeil(tc.v)
		if top != tc.top {
			t.Errorf("niceCeil(%v) = %v, want %v", tc.v, top, tc.top)
		}
		ts := ticks(top)
		if len(ts) != tc.ticks || ts[0] != 0 || ts[len(ts)-1] != top {
			t.Errorf("ticks(%v) = %v, want %d from 0 to %v", top, ts, tc.ticks, top)
		}
	}
}

// figure is two panels: a falling series with a reference line above it,
// and a rising one.
func figure() Figure {
	x := []float64{10000, 20000, 30000, 40000, 50000}
	return Figure{
		Width: 900, Height: 640, Title: "Test run", XLabel: "customers",
		Panels: []Panel{
			{YLabel: "per s", Series: []Series{{Name: "creates/s", X: x, Y: []float64{100, 95, 92, 90, 88}, Color: Blue}},
				Lines: []Line{{Label: "90 %", Y: 90, Color: Gray}}},
			{YLabel: "MB", Series: []Series{{Name: "RSS", X: x, Y: []float64{150, 200, 240, 260, 280}, Color: Red}},
				Lines: []Line{{Label: "limit", Y: 300, Color: Green}}},
		},
	}
}

// count returns how many pixels of r in img have colour c.
func count(img image.Image, r image.Rectangle, c color.RGBA) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if color.RGBAModel.Convert(img.At(x, y)).(color.RGBA) == c {
				n++
			}
		}
	}
	return n
}

func TestEncodeDrawsEverySeries(t *testing.T) {
	f := figure()
	var buf bytes.Buffer
	if err := Encode(&buf, f); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatalf("the output is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 900 || b.Dy() != 640 {
		t.Fatalf("size %v, want 900×640", b)
	}

	// Each series' colour is in its own panel, and not in the other's
	// plot area.
	h := (640 - marginTop - marginBot - panelGap) / 2
	top := image.Rect(marginL, marginTop, 900-marginR, marginTop+h+1)
	bottom := image.Rect(marginL, marginTop+h+panelGap, 900-marginR, marginTop+2*h+panelGap+1)
	if n := count(img, top, Blue); n < 200 {
		t.Errorf("%d pixels of the first series in the top panel, want a line through 5 points", n)
	}
	if n := count(img, bottom, Red); n < 200 {
		t.Errorf("%d pixels of the second series in the bottom panel, want a line through 5 points", n)
	}
	if count(img, bottom, Blue) != 0 || count(img, top, Red) != 0 {
		t.Error("a series is drawn in the other panel")
	}

	// Every point is marked where the axes put it: x on a 0–50,000 axis,
	// y on 0–100 (top) and 0–500 (bottom).
	fTop := frame{area: image.Rect(marginL, marginTop, 900-marginR, marginTop+h), xMax: 50000, yMax: 100}
	fBot := frame{area: image.Rect(marginL, marginTop+h+panelGap, 900-marginR, marginTop+2*h+panelGap), xMax: 50000, yMax: 500}
	for i, x := range f.Panels[0].Series[0].X {
		for _, p := range []struct {
			fr frame
			y  float64
			c  color.RGBA
		}{{fTop, f.Panels[0].Series[0].Y[i], Blue}, {fBot, f.Panels[1].Series[0].Y[i], Red}} {
			got := color.RGBAModel.Convert(img.At(p.fr.px(x), p.fr.py(p.y))).(color.RGBA)
			if got != p.c {
				t.Errorf("point (%v, %v): pixel %v, want the series' colour %v", x, p.y, got, p.c)
			}
		}
	}
	// The reference lines and the lettering are drawn.
	if n := count(img, image.Rect(marginL, fBot.py(300)-1, 900-marginR, fBot.py(300)+1), Green); n < 100 {
		t.Errorf("%d pixels of the 300 line", n)
	}
	if n := count(img, image.Rect(0, 0, 900, marginTop-10), black); n < 100 {
		t.Errorf("%d black pixels in the title's band, want the title", n)
	}
	if n := count(img, image.Rect(0, marginTop, marginL, marginTop+h), black); n < 100 {
		t.Errorf("%d black pixels left of the top panel, want its tick labels", n)
	}
}

func TestDrawRejectsWhatItCannotDraw(t *testing.T) {
	for name, mutate := range map[string]func(*Figure){
		"no panel":      func(f *Figure) { f.Panels = nil },
		"too small":     func(f *Figure) { f.Width, f.Height = 50, 50 },
		"ragged series": func(f *Figure) { f.Panels[0].Series[0].Y = f.Panels[0].Series[0].Y[:2] },
		"negative":      func(f *Figure) { f.Panels[1].Series[0].Y[0] = -1 },
		"line":          func(f *Figure) { f.Panels[1].Lines[0].Y = -3 },
	} {
		f := figure()
		mutate(&f)
		if _, err := Draw(f); err == nil || !strings.HasPrefix(err.Error(), "plot: ") {
			t.Errorf("%s: error %v, want one", name, err)
		}
	}
	// A panel with no points yet is an empty chart, not an error.
	f := figure()
	f.Panels[0].Series[0].X, f.Panels[0].Series[0].Y = nil, nil
	if _, err := Draw(f); err != nil {
		t.Errorf("empty series: %v", err)
	}
}
