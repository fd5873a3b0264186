package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// ctxAction is where a runtime handler leaves the action it answered, for
// the request metrics.
const ctxAction = "gatehouse.action"

// Metrics are the engine's Prometheus collectors, served at /metrics.
// Labels are route templates, methods, statuses, actions, grant types and
// store commands: never a service, client, subject or token, which would
// leak tenant data to an unauthenticated endpoint and grow without bound.
type Metrics struct {
	registry     *prometheus.Registry
	requests     *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	tokens       *prometheus.CounterVec
	storeLatency *prometheus.HistogramVec
	storeErrors  *prometheus.CounterVec
}

// NewMetrics returns the collectors on a registry of their own, with the Go
// runtime's and the process's.
func NewMetrics() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_http_requests_total",
			Help: "API requests by route template, method, HTTP status and, for runtime APIs, the action answered.",
		}, []string{"route", "method", "status", "action"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gatehouse_http_request_duration_seconds",
			Help:    "API request latency by route template and method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_tokens_issued_total",
			Help: "Access tokens issued, by grant type (wire name).",
		}, []string{"grant_type"}),
		storeLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gatehouse_store_command_duration_seconds",
			Help:    "MongoDB command latency by command name.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"command"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_store_command_errors_total",
			Help: "MongoDB commands that failed, by command name.",
		}, []string{"command"}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.tokens, m.storeLatency, m.storeErrors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveStoreCommand records one store command; the Mongo store reports
// its commands here through its monitor.
func (m *Metrics) ObserveStoreCommand(command string, d time.Duration, failed bool) {
	m.storeLatency.WithLabelValues(command).Observe(d.Seconds())
	if failed {
		m.storeErrors.WithLabelValues(command).Inc()
	}
}

// observe records one finished request.
func (m *Metrics) observe(c echo.Context, elapsed time.Duration) {
	route := c.Path()
	if route == "" {
		route = "unmatched" // a 404: the raw path is the caller's, never a label
	}
	action, _ := c.Get(ctxAction).(string)
	method := c.Request().Method
	m.requests.WithLabelValues(route, method, strconv.Itoa(c.Response().Status), action).Inc()
	m.latency.WithLabelValues(route, method).Observe(elapsed.Seconds())
}

// tokenIssued counts an access token of grantType.
func (m *Metrics) tokenIssued(grantType string) {
	m.tokens.WithLabelValues(grantType).Inc()
}

func (m *Metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// answer writes a runtime API's answer: HTTP 200 whatever the OAuth outcome
// (DESIGN §2), with the action noted for the metrics.
func answer(c echo.Context, action string, body any) error {
	c.Set(ctxAction, action)
	return c.JSON(http.StatusOK, body)
}
