package main

import (
	"context"
	"slices"
	"sync"
	"time"
)

// sample is what one or more measured slices of a scenario observed.
type sample struct {
	latencies []time.Duration // of the units that succeeded
	errors    int
	firstErr  error
	seconds   float64 // measured time
	// cpu is the CPU time (user and system) the server spent in the
	// measured time, in seconds.
	cpu float64
}

func (s *sample) add(o sample) {
	s.latencies = append(s.latencies, o.latencies...)
	s.errors += o.errors
	if s.firstErr == nil {
		s.firstErr = o.firstErr
	}
	s.seconds += o.seconds
	s.cpu += o.cpu
}

// cpuPerUnit is the server's CPU time per unit completed, in seconds. It
// moves much less than the rate when neighbours load the machine: they take
// the server's time, not what a request costs it.
func (s sample) cpuPerUnit() float64 {
	if len(s.latencies) == 0 {
		return 0
	}
	return s.cpu / float64(len(s.latencies))
}

// rate is units completed per second.
func (s sample) rate() float64 {
	if s.seconds == 0 {
		return 0
	}
	return float64(len(s.latencies)) / s.seconds
}

// result is one row of the table.
type result struct {
	store    string
	scenario scenario
	conns    int
	// rate is units (requests or flows) completed per second.
	rate     float64
	p50, p99 time.Duration
	errors   int
	firstErr error
	// ratio is rate over the rate of the bare handler measured in the
	// slices interleaved with this row's; 0 for the bare handler itself.
	ratio float64
	// cpu is the server's CPU time per unit, in seconds; cpuRatio is the
	// bare handler's (interleaved) over it.
	cpu, cpuRatio float64
}

func newResult(store string, sc scenario, conns int, s sample) result {
	r := result{store: store, scenario: sc, conns: conns, rate: s.rate(), errors: s.errors, firstErr: s.firstErr, cpu: s.cpuPerUnit()}
	slices.Sort(s.latencies)
	if n := len(s.latencies); n > 0 {
		r.p50, r.p99 = s.latencies[n*50/100], s.latencies[n*99/100]
	}
	return r
}

// measure runs sc against the server over conns keep-alive connections,
// each a closed loop (a new unit as soon as the last one is answered, as
// wrk does), for warmup and then duration. The units that finish within the
// duration count, wherever they started: a rate is completions per second.
// The latency of a flow is the whole flow's.
func measure(ctx context.Context, server *process, t *tenant, sc scenario, conns int, warmup, duration time.Duration) sample {
	start := time.Now()
	from, until := start.Add(warmup), start.Add(warmup+duration)
	cpu := make(chan float64, 1)
	go func() {
		time.Sleep(time.Until(from))
		before := server.cpuTime()
		time.Sleep(time.Until(until))
		cpu <- server.cpuTime() - before
	}()
	workers := make([]sample, conns)
	var wg sync.WaitGroup
	for i := range workers {
		w := &workers[i]
		wg.Go(func() {
			c := newConn(server.addr)
			defer c.close()
			for ctx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(until) {
					return
				}
				err := sc.unit(c, t)
				t1 := time.Now()
				switch {
				case t1.Before(from) || t1.After(until):
				case err != nil:
					w.errors++
					if w.firstErr == nil {
						w.firstErr = err
					}
				default:
					w.latencies = append(w.latencies, t1.Sub(t0))
				}
			}
		})
	}
	wg.Wait()
	all := sample{seconds: duration.Seconds(), cpu: <-cpu}
	for _, w := range workers {
		all.add(sample{latencies: w.latencies, errors: w.errors, firstErr: w.firstErr})
	}
	return all
}
