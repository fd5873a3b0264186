package service

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
	"github.com/gatehouse-oss/gatehouse/store/memstore"
)

func testSeed() Seed {
	svc := testService()
	svc.APIKey = 42
	web := testClient(oauth.ClientConfidential)
	web.ClientID, web.ClientIDAlias = 7, "web"
	spa := testClient(oauth.ClientPublic)
	spa.ClientID = 8
	return Seed{Services: []SeedService{{
		Service:   svc,
		APISecret: strings.Repeat("a", 40),
		Clients: []SeedClient{
			{Client: web, ClientSecret: strings.Repeat("b", 40)},
			{Client: spa},
		},
	}}}
}

func TestApplySeedIsIdempotent(t *testing.T) {
	st := memstore.New()
	now := testNow
	e := mustNew(t, Config{Store: st, Now: func() time.Time { return now }})
	ctx := context.Background()
	if err := e.ApplySeed(ctx, testSeed()); err != nil {
		t.Fatalf("ApplySeed: %v", err)
	}
	snapshot := func() (store.Service, []store.Client) {
		svc, err := st.GetService(ctx, 42)
		if err != nil {
			t.Fatal(err)
		}
		clients, _, err := st.ListClients(ctx, 42, store.Page{Start: 0, End: 10})
		if err != nil {
			t.Fatal(err)
		}
		return svc, clients
	}
	svc1, clients1 := snapshot()
	if _, err := e.AuthenticateService(ctx, "42", strings.Repeat("a", 40)); err != nil {
		t.Errorf("the seeded API secret must authenticate: %v", err)
	}
	if len(clients1) != 2 || !secretMatches(clients1[0].ClientSecretHash, strings.Repeat("b", 40)) {
		t.Fatalf("seeded clients = %+v", clients1)
	}

	now = now.Add(time.Hour) // a later restart applies the same seed
	if err := e.ApplySeed(ctx, testSeed()); err != nil {
		t.Fatalf("ApplySeed again: %v", err)
	}
	svc2, clients2 := snapshot()
	ignoreModified := cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".ModifiedAt" }, cmp.Ignore())
	if d := cmp.Diff(svc1, svc2, ignoreModified); d != "" {
		t.Errorf("service changed on re-seed (-first +second):\n%s", d)
	}
	if d := cmp.Diff(clients1, clients2, ignoreModified); d != "" {
		t.Errorf("clients changed on re-seed (-first +second):\n%s", d)
	}
}

func TestApplySeedRejectsBadEntries(t *testing.T) {
	cases := map[string]func(s *Seed){
		"no api key":             func(s *Seed) { s.Services[0].Service.APIKey = 0 },
		"short api secret":       func(s *Seed) { s.Services[0].APISecret = "short" },
		"invalid service":        func(s *Seed) { s.Services[0].Service.Issuer = "ftp://x" },
		"no client id":           func(s *Seed) { s.Services[0].Clients[0].Client.ClientID = 0 },
		"confidential no secret": func(s *Seed) { s.Services[0].Clients[0].ClientSecret = "" },
		"invalid client":         func(s *Seed) { s.Services[0].Clients[1].Client.RedirectURIs = []string{"http://evil.example/"} },
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			seed := testSeed()
			edit(&seed)
			err := newTestEngine(t).ApplySeed(context.Background(), seed)
			if kindOf(t, err) != KindInvalid {
				t.Fatalf("ApplySeed = %v, want Invalid", err)
			}
		})
	}
}

// blindStore answers the first read of each service and client NotFound, as
// an instance sees the store a moment before another instance's seed lands.
type blindStore struct {
	store.Store
	seen map[string]bool
}

func (s *blindStore) blind(key string) bool {
	first := !s.seen[key]
	s.seen[key] = true
	return first
}

func (s *blindStore) GetService(ctx context.Context, id int64) (store.Service, error) {
	if s.blind(fmt.Sprint("service ", id)) {
		return store.Service{}, store.ErrNotFound
	}
	return s.Store.GetService(ctx, id)
}

func (s *blindStore) GetClient(ctx context.Context, serviceID, clientID int64) (store.Client, error) {
	if s.blind(fmt.Sprint("client ", serviceID, clientID)) {
		return store.Client{}, store.ErrNotFound
	}
	return s.Store.GetClient(ctx, serviceID, clientID)
}

// TestApplySeedRacingInstances: instances that start together apply one
// seed at once; the one whose create loses updates instead of failing.
func TestApplySeedRacingInstances(t *testing.T) {
	st := memstore.New()
	ctx := context.Background()
	if err := mustNew(t, Config{Store: st}).ApplySeed(ctx, testSeed()); err != nil {
		t.Fatal(err)
	}
	late := mustNew(t, Config{Store: &blindStore{Store: st, seen: map[string]bool{}}})
	if err := late.ApplySeed(ctx, testSeed()); err != nil {
		t.Fatalf("the instance that lost the race: %v", err)
	}

	// And for real: eight instances on a fresh store at once.
	st = memstore.New()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		e := mustNew(t, Config{Store: st})
		wg.Go(func() { errs <- e.ApplySeed(ctx, testSeed()) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("ApplySeed: %v", err)
		}
	}

	// A taken alias is still an alias conflict, not an update.
	seed := testSeed()
	seed.Services[0].Clients[1].Client.ClientIDAlias = "web"
	if err := mustNew(t, Config{Store: st}).ApplySeed(ctx, seed); err == nil || !strings.Contains(err.Error(), "G002202") {
		t.Errorf("alias taken by another client = %v", err)
	}
}
