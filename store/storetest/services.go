package storetest

import (
	"testing"
	"time"

	"github.com/gatehouse-oss/gatehouse/store"
)

func testServiceCRUD(t *testing.T, s store.Store) {
	svc := newService(1001, base)
	mustNil(t, "CreateService", s.CreateService(ctx(t), svc))
	wantErr(t, "CreateService(duplicate)", s.CreateService(ctx(t), svc), store.ErrAlreadyExists)

	got, err := s.GetService(ctx(t), svc.APIKey)
	mustNil(t, "GetService", err)
	if d := diff(svc, got); d != "" {
		t.Fatalf("GetService mismatch (-want +got):\n%s", d)
	}

	svc.ServiceName = "renamed"
	svc.SupportedScopes = append(svc.SupportedScopes, store.Scope{Name: "email"})
	svc.PKCERequired = false
	svc.ModifiedAt = base.Add(time.Hour)
	mustNil(t, "UpdateService", s.UpdateService(ctx(t), svc))
	got, err = s.GetService(ctx(t), svc.APIKey)
	mustNil(t, "GetService(after update)", err)
	if d := diff(svc, got); d != "" {
		t.Fatalf("GetService after update mismatch (-want +got):\n%s", d)
	}

	_, err = s.GetService(ctx(t), 999)
	wantErr(t, "GetService(missing)", err, store.ErrNotFound)
	wantErr(t, "UpdateService(missing)", s.UpdateService(ctx(t), newService(999, base)), store.ErrNotFound)
	wantErr(t, "DeleteService(missing)", s.DeleteService(ctx(t), 999), store.ErrNotFound)

	mustNil(t, "DeleteService", s.DeleteService(ctx(t), svc.APIKey))
	_, err = s.GetService(ctx(t), svc.APIKey)
	wantErr(t, "GetService(deleted)", err, store.ErrNotFound)
	wantErr(t, "DeleteService(twice)", s.DeleteService(ctx(t), svc.APIKey), store.ErrNotFound)
}

func testServiceList(t *testing.T, s store.Store) {
	// Created out of key order, so the listing must follow creation time.
	keys := []int64{50, 10, 40, 20, 30}
	for i, k := range keys {
		mustNil(t, "CreateService", s.CreateService(ctx(t), newService(k, base.Add(time.Duration(i)*time.Minute))))
	}
	cases := []struct {
		page store.Page
		want []int64
	}{
		{store.Page{Start: 0, End: 2}, []int64{50, 10}},
		{store.Page{Start: 2, End: 4}, []int64{40, 20}},
		{store.Page{Start: 4, End: 10}, []int64{30}},
		{store.Page{Start: 5, End: 10}, nil},
		{store.Page{Start: 0, End: 100}, keys},
	}
	for _, c := range cases {
		got, total, err := s.ListServices(ctx(t), c.page)
		mustNil(t, "ListServices", err)
		if total != len(keys) {
			t.Errorf("ListServices(%+v) total = %d, want %d", c.page, total, len(keys))
		}
		var ids []int64
		for _, svc := range got {
			ids = append(ids, svc.APIKey)
		}
		if d := diff(c.want, ids); d != "" {
			t.Errorf("ListServices(%+v) keys (-want +got):\n%s", c.page, d)
		}
	}
	// Records in a listing are complete, not summaries.
	got, _, err := s.ListServices(ctx(t), store.Page{Start: 0, End: 1})
	mustNil(t, "ListServices", err)
	if d := diff(newService(50, base), got[0]); d != "" {
		t.Errorf("listed service mismatch (-want +got):\n%s", d)
	}
}

func testServiceDeleteCascades(t *testing.T, s store.Store) {
	for _, id := range []int64{1, 2} {
		mustNil(t, "CreateService", s.CreateService(ctx(t), newService(id, base)))
		mustNil(t, "CreateClient", s.CreateClient(ctx(t), newClient(id, 77, "shared-alias", base)))
		mustNil(t, "CreateTicket", s.CreateTicket(ctx(t), newTicket(id, "same-hash", time.Hour)))
		mustNil(t, "CreateKey", s.CreateKey(ctx(t), newKey(id, "kid", "RS256", base)))
		mustNil(t, "CreateCode", s.CreateCode(ctx(t), newCode(id, "same-hash", time.Hour)))
		mustNil(t, "CreateToken", s.CreateToken(ctx(t), newToken(id, "same-hash", "grant", "refresh", time.Hour)))
	}
	// Consumed codes leave consumption marks behind in some backends; those
	// must go with the service too.
	if _, err := s.ConsumeCode(ctx(t), 1, "same-hash"); err != nil {
		t.Fatalf("ConsumeCode: %v", err)
	}
	mustNil(t, "DeleteService", s.DeleteService(ctx(t), 1))

	_, err := s.GetClient(ctx(t), 1, 77)
	wantErr(t, "GetClient(of deleted service)", err, store.ErrNotFound)
	_, err = s.GetClientByAlias(ctx(t), 1, "shared-alias")
	wantErr(t, "GetClientByAlias(of deleted service)", err, store.ErrNotFound)
	_, err = s.ConsumeTicket(ctx(t), 1, "same-hash")
	wantErr(t, "ConsumeTicket(of deleted service)", err, store.ErrNotFound)
	_, err = s.ConsumeCode(ctx(t), 1, "same-hash")
	wantErr(t, "ConsumeCode(of deleted service)", err, store.ErrNotFound)
	_, err = s.GetToken(ctx(t), 1, "same-hash")
	wantErr(t, "GetToken(of deleted service)", err, store.ErrNotFound)

	if keys, err := s.ListKeys(ctx(t), 1); err != nil || len(keys) != 0 {
		t.Fatalf("ListKeys(of deleted service) = %d keys, %v; want none", len(keys), err)
	}

	// The other tenant is untouched.
	if _, err := s.GetService(ctx(t), 2); err != nil {
		t.Fatalf("GetService(other): %v", err)
	}
	if _, err := s.GetClient(ctx(t), 2, 77); err != nil {
		t.Fatalf("GetClient(other): %v", err)
	}
	if _, err := s.ConsumeTicket(ctx(t), 2, "same-hash"); err != nil {
		t.Fatalf("ConsumeTicket(other): %v", err)
	}
	if keys, err := s.ListKeys(ctx(t), 2); err != nil || len(keys) != 1 {
		t.Fatalf("ListKeys(other) = %d keys, %v; want 1", len(keys), err)
	}
	if _, err := s.ConsumeCode(ctx(t), 2, "same-hash"); err != nil {
		t.Fatalf("ConsumeCode(other): %v", err)
	}
	if _, err := s.GetToken(ctx(t), 2, "same-hash"); err != nil {
		t.Fatalf("GetToken(other): %v", err)
	}
	// A service recreated with the same key starts empty.
	mustNil(t, "CreateService(again)", s.CreateService(ctx(t), newService(1, base)))
	if _, total, err := s.ListClients(ctx(t), 1, store.Page{Start: 0, End: 10}); err != nil || total != 0 {
		t.Fatalf("ListClients(recreated) = total %d, err %v; want 0, nil", total, err)
	}
	// ... and a code issued again under the old hash is fresh, not consumed.
	mustNil(t, "CreateCode(recreated)", s.CreateCode(ctx(t), newCode(1, "same-hash", time.Hour)))
	if _, err := s.ConsumeCode(ctx(t), 1, "same-hash"); err != nil {
		t.Fatalf("ConsumeCode(recreated): %v", err)
	}
}
