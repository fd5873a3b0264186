package api

import (
	"math"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse-oss/gatehouse/service"
)

// maxBuckets bounds the rate limiter's memory: one bucket per limited
// service; past it (services deleted over a long uptime) they start over.
const maxBuckets = 100_000

// bucket is a token bucket: tokens refill at the service's rate, up to one
// second's worth, and each call takes one.
type bucket struct {
	tokens float64
	last   time.Time
}

// rateLimiter enforces each service's requestRateLimit (SECURITY M08). It
// is per engine instance, like the client authentication throttle: a
// shared counter would cost a store write per call, the very load it is
// meant to shed. With N instances a service gets N times its rate.
type rateLimiter struct {
	now     func() time.Time
	mu      sync.Mutex
	buckets map[int64]*bucket
}

func newRateLimiter(now func() time.Time) *rateLimiter {
	return &rateLimiter{now: now, buckets: map[int64]*bucket{}}
}

// take spends one call of the service's budget, or reports how many whole
// seconds to wait before the next call fits.
func (l *rateLimiter) take(serviceID, rate int64) (wait int, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, found := l.buckets[serviceID]
	if !found {
		if len(l.buckets) >= maxBuckets {
			clear(l.buckets)
		}
		b = &bucket{tokens: float64(rate), last: now}
		l.buckets[serviceID] = b
	}
	b.tokens = math.Min(float64(rate), b.tokens+now.Sub(b.last).Seconds()*float64(rate))
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return max(1, int(math.Ceil((1-b.tokens)/float64(rate)))), false
}

// limitRate answers 429 with Retry-After for a call over its service's
// requestRateLimit. It runs after requireService, so the budget is the
// authenticated service's and a stranger spends nobody's.
func (s *server) limitRate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if svc, ok := serviceOf(c); ok && svc.RequestRateLimit > 0 {
			if wait, ok := s.limiter.take(svc.APIKey, svc.RequestRateLimit); !ok {
				return service.RateLimited(svc.RequestRateLimit, wait)
			}
		}
		return next(c)
	}
}
