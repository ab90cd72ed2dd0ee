//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package devserver

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockDataDir takes an exclusive advisory lock on a file in dir, so that a
// second server (in this process or another) cannot open the same SQLite
// file: two servers would both claim the single history shard and keep
// stealing it from each other. The lock goes away with the process, even on
// SIGKILL, so a crash never leaves a stale lock behind.
func lockDataDir(dir string) (unlock func() error, err error) {
	path := dir + string(os.PathSeparator) + "LOCK"
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("devserver: lock data dir: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("devserver: data dir %s is in use by another server", dir)
		}
		return nil, fmt.Errorf("devserver: lock data dir: %w", err)
	}
	// Closing the file releases the lock.
	return f.Close, nil
}
