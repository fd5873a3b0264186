package main

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	gatehouse "github.com/gatehouse-oss/gatehouse/sdk"
	"github.com/gatehouse-oss/gatehouse/store/mongostore/mongotest"
)

// TestWalkOnMongo is the README's management walk on the production backend:
// operator creates a service, the service manages a client, another service
// sees 404; and a look at every stored document finds no raw secret.
func TestWalkOnMongo(t *testing.T) {
	db := mongotest.New(t)
	adminSecret := strings.Repeat("a", 32)
	base, out := startEngine(t, config{MongoURI: db.URI, MongoDB: db.Name, MasterKey: make([]byte, 32), AdminKey: "op", AdminSecret: adminSecret, LogLevel: slog.LevelError})
	if strings.Contains(out.String(), "Demo service") {
		t.Error("no demo tenant on MongoDB")
	}
	ctx := t.Context()
	admin := &gatehouse.Client{BaseURL: base, Key: "op", Secret: adminSecret}
	newService := func() *gatehouse.Client {
		var svc struct {
			APIKey    int64  `json:"apiKey"`
			APISecret string `json:"apiSecret"`
		}
		body := map[string]any{"serviceName": "Shop", "issuer": "https://login.shop.example"}
		if err := admin.Do(ctx, http.MethodPost, "/api/service/create", body, &svc); err != nil {
			t.Fatalf("create service: %v", err)
		}
		return &gatehouse.Client{BaseURL: base, Key: fmt.Sprint(svc.APIKey), Secret: svc.APISecret}
	}
	shop, other := newService(), newService()

	type client struct {
		ClientID     int64  `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
		ClientName   string `json:"clientName"`
	}
	var created, got client
	body := map[string]any{"clientName": "Web", "clientType": "CONFIDENTIAL", "clientIdAlias": "web", "redirectUris": []string{"https://shop.example/cb"}}
	if err := shop.Do(ctx, http.MethodPost, "/api/client/create", body, &created); err != nil || created.ClientSecret == "" {
		t.Fatalf("create client: %+v, %v", created, err)
	}
	path := fmt.Sprintf("/api/client/get/%d", created.ClientID)
	if err := shop.Do(ctx, http.MethodGet, path, nil, &got); err != nil || got.ClientSecret != "" || got.ClientName != "Web" {
		t.Fatalf("get client: %+v, %v", got, err)
	}
	body["clientName"] = "Web 2"
	if err := shop.Do(ctx, http.MethodPost, fmt.Sprintf("/api/client/update/%d", created.ClientID), body, &got); err != nil || got.ClientName != "Web 2" {
		t.Fatalf("update client: %+v, %v", got, err)
	}
	var refreshed struct {
		NewClientSecret string `json:"newClientSecret"`
	}
	if err := shop.Do(ctx, http.MethodGet, fmt.Sprintf("/api/client/secret/refresh/%d", created.ClientID), nil, &refreshed); err != nil {
		t.Fatalf("refresh secret: %v", err)
	}
	var list struct {
		TotalCount int `json:"totalCount"`
	}
	if err := shop.Do(ctx, http.MethodGet, "/api/client/get/list", nil, &list); err != nil || list.TotalCount != 1 {
		t.Fatalf("list clients: %+v, %v", list, err)
	}
	var apiErr *gatehouse.Error
	if err := other.Do(ctx, http.MethodGet, path, nil, &got); !asStatus(err, &apiErr, http.StatusNotFound) {
		t.Fatalf("another service reading the client: %v, want 404", err)
	}
	wrong := *shop
	wrong.Secret += "x"
	if err := wrong.Do(ctx, http.MethodGet, "/api/client/get/list", nil, &list); !asStatus(err, &apiErr, http.StatusUnauthorized) {
		t.Fatalf("wrong secret: %v, want 401", err)
	}

	// Keys: published, rotated, and sealed at rest.
	var jwks struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := shop.Do(ctx, http.MethodPost, "/api/service/keys/rotate", nil, nil); err != nil {
		t.Fatalf("rotate keys: %v", err)
	}
	if err := shop.Do(ctx, http.MethodGet, "/api/service/jwks/get", nil, &jwks); err != nil || len(jwks.Keys) != 4 {
		t.Fatalf("JWK Set after a rotation: %d keys, %v; want 4", len(jwks.Keys), err)
	}
	checkKeysSealed(t, db)

	secrets := []string{shop.Secret, other.Secret, created.ClientSecret, refreshed.NewClientSecret, adminSecret}
	names, err := db.DB.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	docs := 0
	for _, name := range names {
		cur, err := db.DB.Collection(name).Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		for cur.Next(ctx) {
			docs++
			for _, s := range secrets {
				if bytes.Contains(cur.Current, []byte(s)) {
					t.Errorf("collection %s holds a raw secret: %s", name, cur.Current)
				}
			}
		}
		if err := cur.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if docs < 3 {
		t.Fatalf("found %d documents; the walk should have stored services and a client", docs)
	}
}

// asStatus reports whether err is an API error with the given status.
func asStatus(err error, target **gatehouse.Error, status int) bool {
	return errors.As(err, target) && (*target).StatusCode == status
}

// checkKeysSealed reads the stored keys behind the engine's back: the public
// half as a JWK without private members, the private half sealed, never a
// parseable private key.
func checkKeysSealed(t *testing.T, db mongotest.Database) {
	t.Helper()
	cur, err := db.DB.Collection("keys").Find(t.Context(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var docs []bson.M
	if err := cur.All(t.Context(), &docs); err != nil {
		t.Fatal(err)
	}
	if len(docs) != 6 { // two services with two algorithms, one of them rotated once
		t.Fatalf("%d key documents, want 6", len(docs))
	}
	for _, d := range docs {
		sealed, ok := d["sealedPrivateKey"].(bson.Binary)
		if !ok || len(sealed.Data) < 100 {
			t.Fatalf("key document without a sealed private key: %v", d["kid"])
		}
		if _, err := x509.ParsePKCS8PrivateKey(sealed.Data); err == nil {
			t.Errorf("key %v: the private key is stored in clear", d["kid"])
		}
		pub, _ := d["publicJwk"].(bson.Binary)
		var jwk map[string]any
		if err := json.Unmarshal(pub.Data, &jwk); err != nil || jwk["d"] != nil || jwk["kid"] != d["kid"] {
			t.Errorf("key %v: public JWK %s", d["kid"], pub.Data)
		}
		for field := range d {
			if !slices.Contains([]string{"_id", "serviceId", "kid", "alg", "publicJwk", "sealedPrivateKey", "createdAt"}, field) {
				t.Errorf("key document has an unexpected field %q", field)
			}
		}
	}
}
