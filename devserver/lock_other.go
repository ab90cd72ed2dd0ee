//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package devserver

// lockDataDir is a no-op where flock(2) is missing: running two servers on
// one data dir is then the caller's mistake to avoid.
func lockDataDir(string) (unlock func() error, err error) {
	return func() error { return nil }, nil
}
