package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The Prometheus series the long run reads: the process's resident memory
// and the Go runtime's goroutines, as the client library's process and Go
// collectors name them.
const (
	metricRSS        = "process_resident_memory_bytes"
	metricGoroutines = "go_goroutines"
)

// hasHTTPScheme reports whether u is an http:// or https:// URL.
func hasHTTPScheme(u string) bool {
	return strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://")
}

// probe reads the server's state: its metrics over HTTP and the sizes of
// the files in its data dir.
type probe struct {
	metricsURL string
	dataDir    string
	http       *http.Client
	timeout    time.Duration
}

func newProbe(cfg Config) *probe {
	return &probe{metricsURL: cfg.MetricsURL, dataDir: cfg.DataDir, timeout: cfg.Timeout,
		http: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}}
}

func (p *probe) close() { p.http.CloseIdleConnections() }

// sample reads what it was given a place for; a failure is kept in the
// sample, not returned.
func (p *probe) sample(ctx context.Context) Sample {
	var s Sample
	if p.metricsURL != "" {
		if err := p.readMetrics(ctx, &s); err != nil {
			s.MetricsError = err.Error()
		}
	}
	if p.dataDir != "" {
		files, total, err := diskUsage(p.dataDir)
		if err != nil {
			s.DiskError = err.Error()
		} else {
			s.DiskFiles, s.DiskBytes = files, total
		}
	}
	return s
}

func (p *probe) readMetrics(ctx context.Context, s *Sample) error {
	return p.scrape(ctx, func(r io.Reader) error {
		rss, goroutines, err := parseMetrics(r)
		s.RSSBytes, s.Goroutines = int64(rss), int(goroutines)
		return err
	})
}

// scrape GETs the server's metrics and hands the exposition to read.
func (p *probe) scrape(ctx context.Context, read func(io.Reader) error) error {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.metricsURL, nil)
	if err != nil {
		return err
	}
	// Plain text: the client library would answer a protobuf Accept
	// with the binary format.
	req.Header.Set("Accept", "text/plain")
	resp, err := p.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", p.metricsURL, resp.Status)
	}
	if err := read(resp.Body); err != nil {
		return fmt.Errorf("GET %s: %w", p.metricsURL, err)
	}
	return nil
}

// metricSMSSent counts the texts a coffeeshop server sent, by provider.
const metricSMSSent = "coffeeshop_sms_sent_total"

// smsSent reads the server's metrics and returns the texts it has sent,
// summed over providers.
func (p *probe) smsSent(ctx context.Context) (float64, error) {
	var sent float64
	err := p.scrape(ctx, func(r io.Reader) error {
		var err error
		sent, err = sumSeries(r, metricSMSSent)
		return err
	})
	return sent, err
}

// sumSeries sums the values of every series of metric name (any labels)
// in a Prometheus text exposition; a metric without series is an error.
func sumSeries(r io.Reader, name string) (float64, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	var total float64
	found := false
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 || (fields[0] != name && !strings.HasPrefix(fields[0], name+"{")) {
			continue
		}
		v, err := strconv.ParseFloat(fields[len(fields)-1], 64)
		if err != nil {
			return 0, fmt.Errorf("%s has the value %q", fields[0], fields[len(fields)-1])
		}
		total, found = total+v, true
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	if !found {
		return 0, fmt.Errorf("no %s series", name)
	}
	return total, nil
}

// parseMetrics finds the RSS and goroutine series, unlabelled, in a
// Prometheus text exposition.
func parseMetrics(r io.Reader) (rss, goroutines float64, err error) {
	found := map[string]*float64{metricRSS: &rss, metricGoroutines: &goroutines}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		to, ok := found[fields[0]]
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(fields[1], 64)
		if err != nil || v <= 0 {
			return 0, 0, fmt.Errorf("%s has the value %q", fields[0], fields[1])
		}
		*to = v
	}
	if err := sc.Err(); err != nil {
		return 0, 0, err
	}
	for name, v := range found {
		if *v == 0 {
			return 0, 0, fmt.Errorf("no %s series", name)
		}
	}
	return rss, goroutines, nil
}

// diskUsage sums the sizes of the regular files under dir and returns each
// by its path relative to dir. A file removed while it is walked (a
// SQLite journal) is skipped.
func diskUsage(dir string) (map[string]int64, int64, error) {
	files := map[string]int64{}
	var total int64
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path != dir {
				return nil
			}
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		files[filepath.ToSlash(rel)] = info.Size()
		total += info.Size()
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return files, total, nil
}
