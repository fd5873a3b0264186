package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"sigs.k8s.io/yaml"

	"github.com/gatehouse-oss/gatehouse/service"
	"github.com/gatehouse-oss/gatehouse/store"
	"github.com/gatehouse-oss/gatehouse/store/memstore"
)

// TestDeploySeedIsTheDemo loads deploy/seed.yaml exactly as GATEHOUSE_SEED is
// loaded (applySeedFile) and requires it to leave the store as the demo seed
// of `go run .` does, so that the compose deployment serves the tenant
// frontend-example is configured for. Only the description may differ.
func TestDeploySeedIsTheDemo(t *testing.T) {
	ctx := context.Background()
	fromFile := seededStore(t, func(e *service.Engine) error {
		return applySeedFile(ctx, e, filepath.Join("deploy", "seed.yaml"))
	})
	fromDemo := seededStore(t, func(e *service.Engine) error { return e.ApplySeed(ctx, demoSeed()) })

	services := func(st store.Store) []store.Service {
		list, _, err := st.ListServices(ctx, store.Page{Start: 0, End: 100})
		if err != nil {
			t.Fatal(err)
		}
		return list
	}
	clients := func(st store.Store) []store.Client {
		list, _, err := st.ListClients(ctx, demoAPIKey, store.Page{Start: 0, End: 100})
		if err != nil {
			t.Fatal(err)
		}
		return list
	}
	opts := cmp.Options{
		cmpopts.IgnoreFields(store.Service{}, "Description", "CreatedAt", "ModifiedAt"),
		cmpopts.IgnoreFields(store.Client{}, "CreatedAt", "ModifiedAt"),
		cmpopts.SortSlices(func(a, b store.Client) bool { return a.ClientID < b.ClientID }),
	}
	if diff := cmp.Diff(services(fromDemo), services(fromFile), opts); diff != "" {
		t.Errorf("deploy/seed.yaml services differ from demoSeed() (-demo +file):\n%s", diff)
	}
	if diff := cmp.Diff(clients(fromDemo), clients(fromFile), opts); diff != "" {
		t.Errorf("deploy/seed.yaml clients differ from demoSeed() (-demo +file):\n%s", diff)
	}
}

// seededStore returns a memory store after apply ran on an engine over it.
func seededStore(t *testing.T, apply func(*service.Engine) error) store.Store {
	t.Helper()
	st := memstore.New()
	engine, err := service.New(service.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	if err := apply(engine); err != nil {
		t.Fatalf("apply seed: %v", err)
	}
	return st
}

// TestDeployExampleSecretsRefused feeds the placeholder values of
// deploy/k8s/secret.example.yaml to the engine's configuration: a cluster
// that applies the example unedited must get engines that refuse to start,
// never engines running on a published master key or admin secret.
func TestDeployExampleSecretsRefused(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("deploy", "k8s", "secret.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var secret struct {
		StringData map[string]string `json:"stringData"`
	}
	if err := yaml.Unmarshal(data, &secret); err != nil {
		t.Fatalf("secret.example.yaml: %v", err)
	}
	for _, name := range []string{"GATEHOUSE_MONGO_URI", "GATEHOUSE_MASTER_KEY", "GATEHOUSE_ADMIN_KEY", "GATEHOUSE_ADMIN_SECRET"} {
		if secret.StringData[name] == "" {
			t.Errorf("secret.example.yaml: stringData.%s missing", name)
		}
	}
	_, err = loadConfig(nil, func(k string) string { return secret.StringData[k] })
	if err == nil {
		t.Fatal("the example secret's placeholders configure a working engine")
	}
	for _, name := range []string{"GATEHOUSE_MASTER_KEY", "GATEHOUSE_ADMIN_SECRET"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("placeholder %s accepted; config error: %v", name, err)
		}
	}
}
