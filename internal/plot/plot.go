// Package plot draws simple line charts as PNG images with the standard
// library only: panels stacked on a shared x axis, each with its own y
// axis, ticks, labels, series and horizontal reference lines, lettered in
// a built-in 5×7 bitmap font. It is what the load tool draws its long
// run with; it knows nothing of coffeeshop.
package plot

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"strconv"
)

// Figure is one image: a title, panels one above the other, all sharing
// the x axis named XLabel.
type Figure struct {
	Width, Height int
	Title         string
	XLabel        string
	Panels        []Panel
}

// Panel is one chart of a Figure, its y axis from 0 up to a round number
// above every value it shows.
type Panel struct {
	YLabel string
	Series []Series
	Lines  []Line
}

// Series is a line through the points (X[i], Y[i]), each marked.
type Series struct {
	Name  string
	X, Y  []float64
	Color color.RGBA
}

// Line is a dashed horizontal line at Y, such as a target.
type Line struct {
	Label string
	Y     float64
	Color color.RGBA
}

// Colours for callers that have no palette of their own.
var (
	Blue  = color.RGBA{31, 94, 180, 255}
	Red   = color.RGBA{200, 40, 40, 255}
	Green = color.RGBA{30, 140, 60, 255}
	Gray  = color.RGBA{120, 120, 120, 255}
)

var (
	white = color.RGBA{255, 255, 255, 255}
	black = color.RGBA{0, 0, 0, 255}
	grid  = color.RGBA{225, 225, 225, 255}
)

// Layout in image pixels: text scale, margins around the plot areas and
// the gap between panels (where a panel's legend goes).
const (
	scale     = 2
	marginL   = 110
	marginR   = 50
	marginTop = 80
	marginBot = 70
	panelGap  = 60
	markSize  = 6
)

// frame maps one panel's values to pixels.
type frame struct {
	area       image.Rectangle
	xMax, yMax float64
}

func (f frame) px(x float64) int {
	return f.area.Min.X + int(math.Round(x/f.xMax*float64(f.area.Dx())))
}

func (f frame) py(y float64) int {
	return f.area.Max.Y - int(math.Round(y/f.yMax*float64(f.area.Dy())))
}

// Draw renders f. It fails on a figure it cannot draw: too small, no
// panel, a series whose X and Y differ in length, or a value that is
// negative, NaN or infinite.
func Draw(f Figure) (*image.RGBA, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	img := image.NewRGBA(image.Rect(0, 0, f.Width, f.Height))
	fillRect(img, 0, 0, f.Width, f.Height, white)
	drawText(img, (f.Width-textWidth(f.Title, scale))/2, 15, f.Title, scale, black)

	xMax := niceCeil(maxOf(f.Panels, func(s Series) []float64 { return s.X }, nil))
	n := len(f.Panels)
	h := (f.Height - marginTop - marginBot - (n-1)*panelGap) / n
	for i, p := range f.Panels {
		top := marginTop + i*(h+panelGap)
		fr := frame{
			area: image.Rect(marginL, top, f.Width-marginR, top+h),
			xMax: xMax,
			yMax: niceCeil(maxOf([]Panel{p}, func(s Series) []float64 { return s.Y }, p.Lines)),
		}
		drawPanel(img, fr, p)
	}
	drawText(img, (f.Width-textWidth(f.XLabel, scale))/2, f.Height-25, f.XLabel, scale, black)
	return img, nil
}

// Encode draws f and writes it to w as PNG.
func Encode(w io.Writer, f Figure) error {
	img, err := Draw(f)
	if err != nil {
		return err
	}
	return png.Encode(w, img)
}

func (f Figure) check() error {
	if len(f.Panels) == 0 {
		return errors.New("plot: no panel")
	}
	if minH := marginTop + marginBot + len(f.Panels)*(panelGap+40); f.Width < marginL+marginR+100 || f.Height < minH {
		return fmt.Errorf("plot: %d×%d is too small for %d panels", f.Width, f.Height, len(f.Panels))
	}
	bad := func(v float64) bool { return v < 0 || math.IsNaN(v) || math.IsInf(v, 0) }
	for _, p := range f.Panels {
		for _, s := range p.Series {
			if len(s.X) != len(s.Y) {
				return fmt.Errorf("plot: series %q has %d x and %d y values", s.Name, len(s.X), len(s.Y))
			}
			for i := range s.X {
				if bad(s.X[i]) || bad(s.Y[i]) {
					return fmt.Errorf("plot: series %q: point (%v, %v) is not a finite value ≥ 0", s.Name, s.X[i], s.Y[i])
				}
			}
		}
		for _, l := range p.Lines {
			if bad(l.Y) {
				return fmt.Errorf("plot: line %q at %v is not a finite value ≥ 0", l.Label, l.Y)
			}
		}
	}
	return nil
}

// maxOf is the largest value that pick takes from the panels' series, and
// of the lines' Y.
func maxOf(panels []Panel, pick func(Series) []float64, lines []Line) float64 {
	m := 0.0
	for _, p := range panels {
		for _, s := range p.Series {
			for _, v := range pick(s) {
				m = max(m, v)
			}
		}
	}
	for _, l := range lines {
		m = max(m, l.Y)
	}
	return m
}

// niceCeil is the smallest of 1, 2, 2.5, 5 or 10 times a power of ten that
// is at least v (1 for v ≤ 0), the top of an axis.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= v*(1-1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// ticks returns the tick values from 0 to top (a niceCeil value): 4 to
// 10 evenly spaced steps.
func ticks(top float64) []float64 {
	step := top / 5
	for _, d := range []float64{4, 5, 10} {
		if s := top / d; isRound(s) {
			step = s
			break
		}
	}
	var out []float64
	for i := 0; float64(i)*step <= top*(1+1e-9); i++ {
		out = append(out, float64(i)*step)
	}
	return out
}

// isRound reports whether v is 1, 2 or 5 times a power of ten.
func isRound(v float64) bool {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	m := v / p
	for _, r := range []float64{1, 2, 5, 10} {
		if math.Abs(m-r) < 1e-9 {
			return true
		}
	}
	return false
}

// label writes a tick value briefly: 25000 as 25000, 2.5 as 2.5.
func label(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func drawPanel(img *image.RGBA, fr frame, p Panel) {
	a := fr.area
	th := glyphH * scale
	for _, y := range ticks(fr.yMax) {
		py := fr.py(y)
		hline(img, a.Min.X, a.Max.X, py, grid)
		hline(img, a.Min.X-6, a.Min.X, py, black)
		s := label(y)
		drawText(img, a.Min.X-10-textWidth(s, scale), py-th/2, s, scale, black)
	}
	for _, x := range ticks(fr.xMax) {
		px := fr.px(x)
		vline(img, px, a.Min.Y, a.Max.Y, grid)
		vline(img, px, a.Max.Y, a.Max.Y+6, black)
		s := label(x)
		drawText(img, px-textWidth(s, scale)/2, a.Max.Y+10, s, scale, black)
	}
	hline(img, a.Min.X, a.Max.X, a.Max.Y, black)
	vline(img, a.Min.X, a.Min.Y, a.Max.Y, black)

	// The y axis's name above it; the legend to its right.
	drawText(img, a.Min.X-textWidth(p.YLabel, scale)/2, a.Min.Y-th-14, p.YLabel, scale, black)
	x := a.Min.X + textWidth(p.YLabel, scale)/2 + 40
	for _, s := range p.Series {
		fillRect(img, x, a.Min.Y-th-14+th/2-2, 20, 4, s.Color)
		drawText(img, x+26, a.Min.Y-th-14, s.Name, scale, s.Color)
		x += 26 + textWidth(s.Name, scale) + 30
	}

	for _, l := range p.Lines {
		py := fr.py(l.Y)
		for px := a.Min.X; px < a.Max.X; px += 12 {
			hline(img, px, min(px+7, a.Max.X), py, l.Color)
			hline(img, px, min(px+7, a.Max.X), py-1, l.Color)
		}
		drawText(img, a.Max.X-textWidth(l.Label, scale)-4, py-th-5, l.Label, scale, l.Color)
	}

	for _, s := range p.Series {
		for i := range s.X {
			x, y := fr.px(s.X[i]), fr.py(s.Y[i])
			if i > 0 {
				thickLine(img, fr.px(s.X[i-1]), fr.py(s.Y[i-1]), x, y, s.Color)
			}
			fillRect(img, x-markSize/2, y-markSize/2, markSize, markSize, s.Color)
		}
	}
}

func hline(img *image.RGBA, x0, x1, y int, c color.Color) { fillRect(img, x0, y, x1-x0+1, 1, c) }
func vline(img *image.RGBA, x, y0, y1 int, c color.Color) { fillRect(img, x, y0, 1, y1-y0+1, c) }

// thickLine draws a line two pixels wide from (x0, y0) to (x1, y1),
// stepping along its longer extent.
func thickLine(img *image.RGBA, x0, y0, x1, y1 int, c color.Color) {
	dx, dy := x1-x0, y1-y0
	steps := max(abs(dx), abs(dy), 1)
	for i := 0; i <= steps; i++ {
		x := x0 + int(math.Round(float64(dx*i)/float64(steps)))
		y := y0 + int(math.Round(float64(dy*i)/float64(steps)))
		fillRect(img, x, y, 2, 2, c)
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
