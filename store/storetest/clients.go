package storetest

import (
	"testing"
	"time"

	"github.com/gatehouse-oss/gatehouse/store"
)

func testClientCRUD(t *testing.T, s store.Store) {
	c := newClient(1, 4242, "", base)
	mustNil(t, "CreateClient", s.CreateClient(ctx(t), c))
	wantErr(t, "CreateClient(duplicate id)", s.CreateClient(ctx(t), c), store.ErrAlreadyExists)

	got, err := s.GetClient(ctx(t), 1, 4242)
	mustNil(t, "GetClient", err)
	if d := diff(c, got); d != "" {
		t.Fatalf("GetClient mismatch (-want +got):\n%s", d)
	}

	c.ClientName = "renamed"
	c.RedirectURIs = []string{"https://client.example.com/new"}
	c.ClientSecretHash = nil
	c.ClientType = "public"
	c.RequestableScopes = nil
	c.ModifiedAt = base.Add(time.Hour)
	mustNil(t, "UpdateClient", s.UpdateClient(ctx(t), c))
	got, err = s.GetClient(ctx(t), 1, 4242)
	mustNil(t, "GetClient(after update)", err)
	if d := diff(c, got); d != "" {
		t.Fatalf("GetClient after update mismatch (-want +got):\n%s", d)
	}

	_, err = s.GetClient(ctx(t), 1, 1)
	wantErr(t, "GetClient(missing)", err, store.ErrNotFound)
	wantErr(t, "UpdateClient(missing)", s.UpdateClient(ctx(t), newClient(1, 1, "", base)), store.ErrNotFound)
	wantErr(t, "DeleteClient(missing)", s.DeleteClient(ctx(t), 1, 1), store.ErrNotFound)

	mustNil(t, "DeleteClient", s.DeleteClient(ctx(t), 1, 4242))
	_, err = s.GetClient(ctx(t), 1, 4242)
	wantErr(t, "GetClient(deleted)", err, store.ErrNotFound)
	wantErr(t, "DeleteClient(twice)", s.DeleteClient(ctx(t), 1, 4242), store.ErrNotFound)
}

func testClientAlias(t *testing.T, s store.Store) {
	a := newClient(1, 1, "web-app", base)
	b := newClient(1, 2, "", base)
	c := newClient(1, 3, "", base)
	for _, cl := range []store.Client{a, b, c} {
		mustNil(t, "CreateClient", s.CreateClient(ctx(t), cl))
	}

	got, err := s.GetClientByAlias(ctx(t), 1, "web-app")
	mustNil(t, "GetClientByAlias", err)
	if got.ClientID != 1 {
		t.Fatalf("GetClientByAlias = client %d, want 1", got.ClientID)
	}
	_, err = s.GetClientByAlias(ctx(t), 1, "WEB-APP")
	wantErr(t, "GetClientByAlias(other case)", err, store.ErrNotFound)
	_, err = s.GetClientByAlias(ctx(t), 1, "")
	wantErr(t, "GetClientByAlias(empty)", err, store.ErrNotFound)

	// An alias is unique within the service, on create and on update.
	wantErr(t, "CreateClient(alias taken)", s.CreateClient(ctx(t), newClient(1, 9, "web-app", base)), store.ErrAlreadyExists)
	b.ClientIDAlias = "web-app"
	wantErr(t, "UpdateClient(alias taken)", s.UpdateClient(ctx(t), b), store.ErrAlreadyExists)
	got, err = s.GetClient(ctx(t), 1, 2)
	mustNil(t, "GetClient", err)
	if got.ClientIDAlias != "" {
		t.Fatalf("failed update changed the alias to %q", got.ClientIDAlias)
	}

	// Renaming frees the old alias; clients without alias never collide.
	a.ClientIDAlias = "web-app-2"
	mustNil(t, "UpdateClient(rename alias)", s.UpdateClient(ctx(t), a))
	mustNil(t, "UpdateClient(take freed alias)", s.UpdateClient(ctx(t), b))
	got, err = s.GetClientByAlias(ctx(t), 1, "web-app")
	mustNil(t, "GetClientByAlias(new owner)", err)
	if got.ClientID != 2 {
		t.Fatalf("GetClientByAlias = client %d, want 2", got.ClientID)
	}
	// Keeping one's own alias is not a collision.
	a.ClientName = "same alias"
	mustNil(t, "UpdateClient(keep alias)", s.UpdateClient(ctx(t), a))

	// Deleting a client frees its alias.
	mustNil(t, "DeleteClient", s.DeleteClient(ctx(t), 1, 2))
	mustNil(t, "CreateClient(reuse alias)", s.CreateClient(ctx(t), newClient(1, 4, "web-app", base)))
}

func testClientTenantIsolation(t *testing.T, s store.Store) {
	// Same client ID and alias in two services: two distinct clients.
	a := newClient(1, 500, "app", base)
	b := newClient(2, 500, "app", base)
	b.ClientName = "service two's app"
	mustNil(t, "CreateClient(A)", s.CreateClient(ctx(t), a))
	mustNil(t, "CreateClient(B)", s.CreateClient(ctx(t), b))

	for _, tc := range []struct {
		service int64
		want    store.Client
	}{{1, a}, {2, b}} {
		got, err := s.GetClient(ctx(t), tc.service, 500)
		mustNil(t, "GetClient", err)
		if d := diff(tc.want, got); d != "" {
			t.Errorf("GetClient(service %d) (-want +got):\n%s", tc.service, d)
		}
		got, err = s.GetClientByAlias(ctx(t), tc.service, "app")
		mustNil(t, "GetClientByAlias", err)
		if d := diff(tc.want, got); d != "" {
			t.Errorf("GetClientByAlias(service %d) (-want +got):\n%s", tc.service, d)
		}
	}

	// Service 3 sees nothing of either.
	_, err := s.GetClient(ctx(t), 3, 500)
	wantErr(t, "GetClient(other tenant)", err, store.ErrNotFound)
	_, err = s.GetClientByAlias(ctx(t), 3, "app")
	wantErr(t, "GetClientByAlias(other tenant)", err, store.ErrNotFound)
	c := a
	c.ServiceID = 3
	wantErr(t, "UpdateClient(other tenant)", s.UpdateClient(ctx(t), c), store.ErrNotFound)
	wantErr(t, "DeleteClient(other tenant)", s.DeleteClient(ctx(t), 3, 500), store.ErrNotFound)

	// Changing and deleting A leaves B as it was.
	a.ClientName = "changed"
	mustNil(t, "UpdateClient(A)", s.UpdateClient(ctx(t), a))
	mustNil(t, "DeleteClient(A)", s.DeleteClient(ctx(t), 1, 500))
	got, err := s.GetClient(ctx(t), 2, 500)
	mustNil(t, "GetClient(B)", err)
	if d := diff(b, got); d != "" {
		t.Errorf("service two's client changed (-want +got):\n%s", d)
	}
}

func testClientList(t *testing.T, s store.Store) {
	ids := []int64{900, 100, 500, 300}
	for i, id := range ids {
		mustNil(t, "CreateClient", s.CreateClient(ctx(t), newClient(1, id, "", base.Add(time.Duration(i)*time.Second))))
	}
	// Same creation time: the client ID breaks the tie.
	mustNil(t, "CreateClient", s.CreateClient(ctx(t), newClient(1, 200, "", base.Add(3*time.Second))))
	mustNil(t, "CreateClient(other tenant)", s.CreateClient(ctx(t), newClient(2, 1, "", base)))
	order := []int64{900, 100, 500, 200, 300}

	for _, page := range []store.Page{{Start: 0, End: 2}, {Start: 2, End: 4}, {Start: 4, End: 6}, {Start: 0, End: 5}, {Start: 7, End: 9}} {
		got, total, err := s.ListClients(ctx(t), 1, page)
		mustNil(t, "ListClients", err)
		if total != len(order) {
			t.Errorf("ListClients(%+v) total = %d, want %d", page, total, len(order))
		}
		var want, gotIDs []int64
		if page.Start < len(order) {
			want = order[page.Start:min(page.End, len(order))]
		}
		for _, c := range got {
			gotIDs = append(gotIDs, c.ClientID)
			if c.ServiceID != 1 {
				t.Errorf("ListClients(1) returned a client of service %d", c.ServiceID)
			}
		}
		if d := diff(want, gotIDs); d != "" {
			t.Errorf("ListClients(%+v) ids (-want +got):\n%s", page, d)
		}
	}
	got, total, err := s.ListClients(ctx(t), 3, store.Page{Start: 0, End: 10})
	mustNil(t, "ListClients(empty tenant)", err)
	if total != 0 || len(got) != 0 {
		t.Errorf("ListClients(empty tenant) = %d clients, total %d", len(got), total)
	}
}
