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
	// CallTimeout bounds the work of one API call, store calls included
	// (default 10 s).
	CallTimeout time.Duration
	// OpenAPI is the contract served at /openapi.yaml.
	OpenAPI []byte
}

// server holds the dependencies of the handlers.
type server struct {
	engine   *service.Engine
	admin    adminCredentials
	log      *slog.Logger
	validate *validator.Validate
	openapi  []byte
}

// New returns the HTTP handler of the engine.
func New(cfg Config) *echo.Echo {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ManagementBodyLimit <= 0 {
		cfg.ManagementBodyLimit = 1 << 20
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = 10 * time.Second
	}
	s := &server{
		engine:   cfg.Engine,
		admin:    newAdminCredentials(cfg.AdminKey, cfg.AdminSecret),
		log:      cfg.Logger,
		validate: newValidator(),
		openapi:  cfg.OpenAPI,
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.Use(requestID, s.logRequests, s.recoverPanics, callTimeout(cfg.CallTimeout))

	e.GET("/health/live", s.live)
	e.GET("/health/ready", s.ready)
	e.GET("/openapi.yaml", s.contract)

	limit := bodyLimit(cfg.ManagementBodyLimit)
	admin := e.Group("/api/service", noStore, limit, s.requireAdmin)
	admin.POST("/create", s.createService)
	admin.GET("/get/list", s.listServices)
	admin.GET("/get/:apiKey", s.getService)
	admin.POST("/update/:apiKey", s.updateService)
	admin.DELETE("/delete/:apiKey", s.deleteService)

	clients := e.Group("/api/client", noStore, limit, s.requireService)
	clients.POST("/create", s.createClient)
	clients.GET("/get/list", s.listClients)
	clients.GET("/get/:clientIdentifier", s.getClient)
	clients.POST("/update/:clientId", s.updateClient)
	clients.DELETE("/delete/:clientIdentifier", s.deleteClient)
	clients.GET("/secret/refresh/:clientIdentifier", s.refreshClientSecret)
	return e
}
