package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-oss/gatehouse/service"
	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
	"github.com/gatehouse-oss/gatehouse/store/memstore"
)

// footprint is what the memstore keeps per live access token, and per
// completed code flow, measured in a process of its own (this program, run
// again with -footprint-child) so that nothing else shares its memory: the
// engine over a memstore, driven in-process through the same Engine
// methods the API handlers call. Issuing a million tokens over HTTP would
// take minutes; what a token keeps alive in the store does not depend on how
// it was asked for.
type footprint struct {
	Tokens  int     `json:"tokens"`
	Seconds float64 `json:"seconds"`
	// Resident and live heap bytes after a full collection, before and
	// after the tokens were issued.
	RSSBefore  int64 `json:"rssBefore"`
	RSSAfter   int64 `json:"rssAfter"`
	HeapBefore int64 `json:"heapBefore"`
	HeapAfter  int64 `json:"heapAfter"`
	// PeakRSS is VmHWM: with the default GOGC=100 the heap grows to about
	// twice what is live between collections, and that is what the
	// machine must have.
	PeakRSS int64 `json:"peakRss"`
	// Flows code flows (no ID token) were run after the tokens;
	// FlowHeap is the live heap they added: their ticket, code, access
	// and refresh token and replay mark, kept until each expires.
	Flows    int   `json:"flows"`
	FlowHeap int64 `json:"flowHeap"`
}

func (f footprint) rssPerToken() float64 { return float64(f.RSSAfter-f.RSSBefore) / float64(f.Tokens) }
func (f footprint) heapPerToken() float64 {
	return float64(f.HeapAfter-f.HeapBefore) / float64(f.Tokens)
}
func (f footprint) peakPerToken() float64 { return float64(f.PeakRSS-f.RSSBefore) / float64(f.Tokens) }
func (f footprint) heapPerFlow() float64  { return float64(f.FlowHeap) / float64(f.Flows) }

// measureFootprint runs the child and reads its report.
func measureFootprint(ctx context.Context, tokens int) (footprint, error) {
	self, err := os.Executable()
	if err != nil {
		return footprint{}, err
	}
	cmd := exec.CommandContext(ctx, self, "-footprint-child", strconv.Itoa(tokens))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return footprint{}, fmt.Errorf("footprint child: %w", err)
	}
	var f footprint
	return f, json.Unmarshal(out, &f)
}

// footprintChild issues n client_credentials tokens, then runs n/10 code
// flows, and prints a footprint as JSON.
func footprintChild(n int) error {
	ctx := context.Background()
	st := memstore.New()
	e, err := service.New(service.Config{Store: st})
	if err != nil {
		return err
	}
	in := service.ServiceDefaults()
	in.ServiceName, in.Issuer = "Footprint", "https://as.loadtest.example"
	svc, _, err := e.CreateService(ctx, in)
	if err != nil {
		return err
	}
	c, secret, err := e.CreateClient(ctx, svc, store.Client{ClientName: "Footprint", ClientType: oauth.ClientConfidential,
		RedirectURIs: []string{redirectURI},
		GrantTypes:   []string{oauth.GrantAuthorizationCode, oauth.GrantRefreshToken, oauth.GrantClientCredentials}})
	if err != nil {
		return err
	}
	clientID := strconv.FormatInt(c.ClientID, 10)
	// Fresh copies of every string a request brings, as the JSON decoder
	// makes them: the engine may keep substrings of them (granted scopes
	// are substrings of the parameters), and then they stay alive as long
	// as the record.
	token := func(parameters string) error {
		r, err := e.Token(ctx, svc, service.TokenRequest{Parameters: strings.Clone(parameters),
			ClientID: strings.Clone(clientID), ClientSecret: strings.Clone(secret)})
		if err == nil && r.Action != service.ActionOK {
			err = fmt.Errorf("token: %s %s", r.Action, r.ResultMessage)
		}
		return err
	}
	authorization := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirectURI},
		"scope": {"profile"}, "state": {"loadtest"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}.Encode()
	flow := func() error {
		r, err := e.Authorization(ctx, svc, strings.Clone(authorization))
		if err != nil || r.Ticket == "" {
			return fmt.Errorf("authorization: %s %v", r.ResultMessage, err)
		}
		r, err = e.AuthorizationIssue(ctx, svc, service.AuthorizationIssue{Ticket: r.Ticket, Subject: strings.Clone("alice")})
		if err != nil || r.AuthorizationCode == "" {
			return fmt.Errorf("issue: %s %v", r.ResultMessage, err)
		}
		return token(url.Values{"grant_type": {"authorization_code"}, "code": {r.AuthorizationCode},
			"redirect_uri": {redirectURI}, "code_verifier": {verifier}}.Encode())
	}

	f := footprint{Tokens: n, Flows: n / 10}
	f.RSSBefore, f.HeapBefore, err = settled()
	if err != nil {
		return err
	}
	start := time.Now()
	if err := inParallel(n, func() error { return token("grant_type=client_credentials&scope=profile") }); err != nil {
		return err
	}
	f.Seconds = time.Since(start).Seconds()
	if f.RSSAfter, f.HeapAfter, err = settled(); err != nil {
		return err
	}
	if f.PeakRSS, err = procStatus(os.Getpid(), "VmHWM"); err != nil {
		return err
	}
	if err := inParallel(f.Flows, flow); err != nil {
		return err
	}
	_, heap, err := settled()
	if err != nil {
		return err
	}
	f.FlowHeap = heap - f.HeapAfter
	runtime.KeepAlive(st)
	return json.NewEncoder(os.Stdout).Encode(f)
}

// inParallel calls do n times on GOMAXPROCS goroutines and returns the
// first error.
func inParallel(n int, do func() error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, runtime.GOMAXPROCS(0))
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				if err := do(); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// settled collects all garbage, returns the freed pages to the system, and
// reports the resident size and the live heap.
func settled() (rss, heap int64, err error) {
	debug.FreeOSMemory() // runs a full collection first
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	rss, err = procStatus(os.Getpid(), "VmRSS")
	return rss, int64(m.HeapAlloc), err
}
