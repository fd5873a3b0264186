package api

import (
	"log/slog"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/labstack/echo/v4"

	"github.com/gatehouse-oss/gatehouse/service"
)

// Config is what the HTTP layer needs. main.go fills it from flags and the
// environment; nothing in this package reads configuration itself.
type Config struct {
	Engine *service.Engine
	// AdminKey and AdminSecret are the operator's credentials (HTTP Basic)
	// for service management.
	AdminKey, AdminSecret string
	Logger                *slog.Logger
	// ManagementBodyLimit bounds management request bodies in bytes
	// (default 1 MiB).
	ManagementBodyLimit int64
	// OpenAPI is the contract served at /openapi.yaml.
	OpenAPI []byte
	// Metrics are served at /metrics; a fresh set when nil.
	Metrics *Metrics
	// Draining, when it reports true, turns /health/ready to 503 while
	// requests are still served: the process is shutting down and load
	// balancers should stop sending it traffic. Nil means never.
	Draining func() bool
}

// server holds the dependencies of the handlers.
type server struct {
	engine   *service.Engine
	admin    adminCredentials
	log      *slog.Logger
	validate *validator.Validate
	openapi  []byte
	metrics  *Metrics
	draining func() bool
	limiter  *rateLimiter
}

// New returns the HTTP handler of the engine.
func New(cfg Config) *echo.Echo {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ManagementBodyLimit <= 0 {
		cfg.ManagementBodyLimit = 1 << 20
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics()
	}
	if cfg.Draining == nil {
		cfg.Draining = func() bool { return false }
	}
	s := &server{
		engine:   cfg.Engine,
		admin:    newAdminCredentials(cfg.AdminKey, cfg.AdminSecret),
		log:      cfg.Logger,
		validate: newValidator(),
		openapi:  cfg.OpenAPI,
		metrics:  cfg.Metrics,
		draining: cfg.Draining,
		limiter:  newRateLimiter(time.Now),
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.Use(requestID, s.logRequests, s.recoverPanics)

	e.GET("/health/live", s.live)
	e.GET("/health/ready", s.ready)
	e.GET("/openapi.yaml", s.contract)
	e.GET("/metrics", echo.WrapHandler(s.metrics.handler()))

	// Middleware is attached per route, not per group: echo gives a group
	// with middleware catch-all routes, which would turn a wrong method into
	// a 404 instead of a 405. Credentials are checked before the body limit,
	// so that a stranger gets 401 whatever they send.
	limit := bodyLimit(cfg.ManagementBodyLimit)
	asAdmin := []echo.MiddlewareFunc{noStore, s.requireAdmin, limit}
	services := e.Group("/api/service")
	services.POST("/create", s.createService, asAdmin...)
	services.GET("/get/list", s.listServices, asAdmin...)
	services.GET("/get/:apiKey", s.getService, asAdmin...)
	services.POST("/update/:apiKey", s.updateService, asAdmin...)
	services.DELETE("/delete/:apiKey", s.deleteService, asAdmin...)

	asService := []echo.MiddlewareFunc{noStore, s.requireService, s.limitRate, limit}
	services.GET("/configuration", s.configuration, asService...)
	services.GET("/jwks/get", s.jwks, asService...)
	services.POST("/keys/rotate", s.rotateKeys, asService...)

	clients := e.Group("/api/client")
	clients.POST("/create", s.createClient, asService...)
	clients.GET("/get/list", s.listClients, asService...)
	clients.GET("/get/:clientIdentifier", s.getClient, asService...)
	clients.POST("/update/:clientId", s.updateClient, asService...)
	clients.DELETE("/delete/:clientIdentifier", s.deleteClient, asService...)
	clients.GET("/secret/refresh/:clientIdentifier", s.refreshClientSecret, asService...)

	// Runtime APIs: OAuth requests relayed by the frontend; 64 KiB is ample
	// for any of them (SECURITY D08).
	asRuntime := []echo.MiddlewareFunc{noStore, s.requireService, s.limitRate, bodyLimit(runtimeBodyLimit)}
	auth := e.Group("/api/auth")
	auth.POST("/authorization", s.authorization, asRuntime...)
	auth.POST("/authorization/issue", s.authorizationIssue, asRuntime...)
	auth.POST("/authorization/fail", s.authorizationFail, asRuntime...)
	auth.POST("/token", s.token, asRuntime...)
	auth.POST("/token/issue", s.tokenIssue, asRuntime...)
	auth.POST("/token/fail", s.tokenFail, asRuntime...)
	auth.POST("/introspection", s.introspection, asRuntime...)
	auth.POST("/introspection/standard", s.introspectionStandard, asRuntime...)
	auth.POST("/revocation", s.revocation, asRuntime...)
	auth.POST("/userinfo", s.userInfo, asRuntime...)
	auth.POST("/userinfo/issue", s.userInfoIssue, asRuntime...)

	// Token management: the service's administrators, management limits.
	auth.POST("/token/create", s.createToken, asService...)
	auth.GET("/token/get/list", s.listTokens, asService...)
	auth.POST("/token/revoke", s.revokeTokens, asService...)
	auth.DELETE("/token/delete/:accessTokenIdentifier", s.deleteToken, asService...)
	return e
}

// runtimeBodyLimit bounds the body of a runtime API call.
const runtimeBodyLimit = 64 << 10
