// Command ferretdb runs FerretDB v1.24 with its SQLite backend, as the
// MongoDB-compatible server of Gatehouse's tests and local development.
//
// It is built from FerretDB's embeddable package rather than from its
// cmd/ferretdb, whose build needs version files that are not part of the Go
// module (it panics at start). scripts/with-ferretdb.sh builds and runs it;
// nothing in the engine imports it, so FerretDB's dependencies stay out of
// the main module.
//
// Usage:
//
//	ferretdb -dir /tmp/ferretdb-data [-listen 127.0.0.1:0] [-uri-file FILE]
//
// The server listens on a loopback address only, because it has no
// authentication. Port 0 lets the kernel choose a free port, which is the only
// way to pick one without racing another process for it; -uri-file then tells
// the caller which one it got. SIGINT or SIGTERM stops the server cleanly.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on; the host must be 127.0.0.1, port 0 picks a free port")
	dir := flag.String("dir", "", "directory of the SQLite databases (required; created if missing)")
	uriFile := flag.String("uri-file", "", "once listening, write the server's mongodb:// URI to this file")
	debug := flag.Bool("debug", false, "log at debug level")
	flag.Parse()

	if err := run(*listen, *dir, *uriFile, *debug); err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(1)
	}
}

func run(listen, dir, uriFile string, debug bool) error {
	if err := checkLoopback(listen); err != nil {
		return err
	}
	if dir == "" {
		return errors.New("-dir is required")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return err
	}

	level := slog.LevelInfo
	if debug {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// New binds the listening socket before it returns, so the URI (with the
	// real port) is known, and connections queue, from here on.
	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: listen},
		Logger:   logger,
		Handler:  "sqlite",
		// FerretDB wants a directory URI with a trailing slash.
		SQLiteURL: "file:" + abs + "/",
	})
	if err != nil {
		return err
	}
	uri := f.MongoDBURI()
	logger.Info("ferretdb listening", "uri", uri, "dir", abs)
	if uriFile != "" {
		if err := writeAtomic(uriFile, uri+"\n"); err != nil {
			return err
		}
	}
	// Run returns once ctx is cancelled and every connection is closed.
	return f.Run(ctx)
}

// checkLoopback refuses any listen host but 127.0.0.1: the server has no
// authentication, so it must never be reachable from another machine.
func checkLoopback(listen string) error {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("-listen %q: %w", listen, err)
	}
	if host != "127.0.0.1" {
		return fmt.Errorf("-listen %q: host must be 127.0.0.1", listen)
	}
	if port == "" {
		return fmt.Errorf("-listen %q: port is required (0 picks a free one)", listen)
	}
	return nil
}

// writeAtomic writes the file under a temporary name and renames it, so a
// reader polling for it never sees it half written.
func writeAtomic(path, content string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
