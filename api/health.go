package api

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// readyTimeout bounds the store ping of a readiness probe, well under the
// usual probe timeouts of load balancers and Kubernetes.
const readyTimeout = 2 * time.Second

type healthJSON struct {
	Status string `json:"status"`
}

// live answers as long as the process serves HTTP.
func (s *server) live(c echo.Context) error {
	return c.JSON(http.StatusOK, healthJSON{Status: "ok"})
}

// ready answers 200 only when the store is reachable, so that a load balancer
// stops sending traffic to an instance that could only answer 503.
func (s *server) ready(c echo.Context) error {
	if s.draining() {
		return c.JSON(http.StatusServiceUnavailable, healthJSON{Status: "draining"})
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), readyTimeout)
	defer cancel()
	if err := s.engine.Ready(ctx); err != nil {
		s.log.Warn("not ready", "request_id", requestIDOf(c), "error", err)
		return c.JSON(http.StatusServiceUnavailable, healthJSON{Status: "unavailable"})
	}
	return c.JSON(http.StatusOK, healthJSON{Status: "ok"})
}

// contract serves the OpenAPI document the engine implements.
func (s *server) contract(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/yaml", s.openapi)
}
