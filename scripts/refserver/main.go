// Command refserver is the reference of the load test (scripts/loadtest): a
// bare echo v4 handler, one POST route answering a small JSON object, served
// with the engine's HTTP server timeouts. The engine's results are given as
// ratios to what this serves on the same machine in the same run, so that
// the targets of issue 9 do not depend on how fast the machine is.
//
//	go run ./scripts/refserver -addr 127.0.0.1:8081
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/labstack/echo/v4"
)

// reply is about the size of an introspection answer's fixed part.
type reply struct {
	ResultCode string `json:"resultCode"`
	Action     string `json:"action"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "listen address")
	flag.Parse()

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.POST("/api/bare", func(c echo.Context) error {
		return c.JSON(http.StatusOK, reply{ResultCode: "G000001", Action: "OK"})
	})
	// The engine's timeouts (main.go): each costs deadline bookkeeping per
	// request, which the reference must pay too.
	srv := &http.Server{Addr: *addr, Handler: e, ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		_ = srv.Shutdown(context.Background())
	}()
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "refserver:", err)
		os.Exit(1)
	}
}
