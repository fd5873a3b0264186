package deploy_test

import (
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestDeployComposeStructure(t *testing.T) {
	f, _ := loadCompose(t)
	if len(f.Services) == 0 {
		t.Fatal("docker-compose.yml: no services")
	}
	for name, svc := range f.Services {
		if svc.Image == "" && svc.Build == nil {
			t.Errorf("service %s: neither image nor build", name)
		}
		if b := svc.Build; b != nil {
			if ok, dir := exists(b.Context); !ok || !dir {
				t.Errorf("service %s: build context %s is not a directory", name, b.Context)
			}
			if ok, dir := exists(b.dockerfile()); !ok || dir {
				t.Errorf("service %s: Dockerfile %s does not exist", name, b.dockerfile())
			}
			if svc.PullPolicy != "build" {
				t.Errorf("service %s: a locally built image needs pull_policy: build, or compose tries to pull %q from a registry first", name, svc.Image)
			}
		}
		for dep, d := range svc.DependsOn {
			target, ok := f.Services[dep]
			switch {
			case !ok:
				t.Errorf("service %s: depends_on unknown service %s", name, dep)
			case !dependsOnConditions[d.Condition]:
				t.Errorf("service %s: depends_on %s: condition %q is not one of %v", name, dep, d.Condition, keys(dependsOnConditions))
			case d.Condition == "service_healthy" && target.Healthcheck == nil:
				t.Errorf("service %s: waits for %s to be healthy, but %s has no healthcheck", name, dep, dep)
			}
		}
		for _, p := range svc.Ports {
			if !strings.HasPrefix(p, "127.0.0.1:") || strings.Count(p, ":") != 2 {
				t.Errorf("service %s: port %q is not published on 127.0.0.1 only (want 127.0.0.1:HOST:CONTAINER)", name, p)
			}
		}
		for _, v := range svc.Volumes {
			src, _, _ := strings.Cut(v, ":")
			if strings.HasPrefix(src, ".") || strings.HasPrefix(src, "/") {
				if ok, _ := exists(src); !ok {
					t.Errorf("service %s: bind mount source %s does not exist", name, src)
				}
				if !strings.HasSuffix(v, ":ro") {
					t.Errorf("service %s: bind mount %q should be read-only (:ro)", name, v)
				}
			} else if _, ok := f.Volumes[src]; !ok {
				t.Errorf("service %s: named volume %s is not declared under volumes:", name, src)
			}
		}
		if h := svc.Healthcheck; h != nil && (len(h.Test) < 2 || (h.Test[0] != "CMD" && h.Test[0] != "CMD-SHELL")) {
			t.Errorf("service %s: healthcheck test %q must start with CMD or CMD-SHELL", name, h.Test)
		}
	}
}

var requiredVar = regexp.MustCompile(`^\$\{([A-Z_][A-Z0-9_]*):\?([^}]+)\}$`)

func TestDeployComposeEngines(t *testing.T) {
	f, _ := loadCompose(t)
	engines := engineServices(t, f)
	if len(engines) < 2 {
		t.Fatalf("docker-compose.yml: engine replicas %v; want at least two behind the load balancer", engines)
	}
	mongoName, mongo := serviceWithImagePrefix(t, f, "mongo:")
	entrypoint := finalStage(t, "Dockerfile").entrypoint(t)
	grace := shutdownTimeout(t)
	for _, name := range engines {
		svc := f.Services[name]
		where := "docker-compose.yml: " + name
		checkEngineEnv(t, where, keys(svc.Environment))
		set := map[string]bool{}
		for k, v := range svc.Environment {
			set[k] = v != ""
		}
		requireEngineConfig(t, where, set)
		for _, secret := range requiredSecrets {
			if m := requiredVar.FindStringSubmatch(svc.Environment[secret]); m == nil || m[1] != secret {
				t.Errorf("%s: %s = %q; want ${%s:?message}, so compose refuses to start without it", where, secret, svc.Environment[secret], secret)
			}
		}

		u, err := url.Parse(svc.Environment["GATEHOUSE_MONGO_URI"])
		if err != nil || u.Scheme != "mongodb" || u.Host != mongoName+":27017" || u.Query().Get("replicaSet") != replicaSetName(t, mongo) {
			t.Errorf("%s: GATEHOUSE_MONGO_URI %q; want mongodb://%s:27017/?replicaSet=%s", where, svc.Environment["GATEHOUSE_MONGO_URI"], mongoName, replicaSetName(t, mongo))
		}
		if d, ok := svc.DependsOn[mongoName]; !ok || d.Condition != "service_healthy" {
			t.Errorf("%s: must wait for %s to be healthy (the replica set initiated)", where, mongoName)
		}

		// The seed file is mounted read-only where GATEHOUSE_SEED says.
		seedPath := svc.Environment["GATEHOUSE_SEED"]
		if !slices.Contains(svc.Volumes, "./seed.yaml:"+seedPath+":ro") {
			t.Errorf("%s: GATEHOUSE_SEED=%q, but ./seed.yaml is not mounted there read-only (volumes %q)", where, seedPath, svc.Volumes)
		}

		// The health check runs the image's own binary (distroless has no shell).
		if h := svc.Healthcheck; h == nil || !slices.Equal(h.Test, []string{"CMD", entrypoint, "healthcheck"}) {
			t.Errorf("%s: healthcheck must be [CMD, %s, healthcheck]", where, entrypoint)
		}
		if g := parseDuration(t, svc.StopGracePeriod); g <= grace {
			t.Errorf("%s: stop_grace_period %s does not leave the engine its %s of graceful shutdown", where, svc.StopGracePeriod, grace)
		}
	}
}

func parseDuration(t *testing.T, s string) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Errorf("duration %q: %v", s, err)
	}
	return d
}

// replicaSetName is the --replSet argument of the MongoDB service.
func replicaSetName(t *testing.T, mongo composeService) string {
	t.Helper()
	i := slices.Index(mongo.Command, "--replSet")
	if i < 0 || i+1 >= len(mongo.Command) {
		t.Fatalf("docker-compose.yml: mongo command %q has no --replSet NAME; the engines connect to a replica set", mongo.Command)
	}
	return mongo.Command[i+1]
}

func TestDeployComposeMongoReplicaSet(t *testing.T) {
	f, _ := loadCompose(t)
	name, mongo := serviceWithImagePrefix(t, f, "mongo:")
	if mongo.Image != "mongo:7" {
		t.Errorf("mongo image %q, want mongo:7", mongo.Image)
	}
	rs := replicaSetName(t, mongo)
	if mongo.Healthcheck == nil {
		t.Fatal("mongo: no healthcheck; it is what initiates the replica set")
	}
	script := strings.Join(mongo.Healthcheck.Test, " ")
	// The member must be named so that the engines can reach it: clients of a
	// replica set connect to the hosts the set's configuration lists.
	member := fmt.Sprintf("_id: '%s', members: [{_id: 0, host: '%s:27017'}]", rs, name)
	for _, want := range []string{"mongosh", "rs.status()", "rs.initiate({" + member + "})", "isWritablePrimary", "quit(1)"} {
		if !strings.Contains(script, want) {
			t.Errorf("mongo healthcheck %q lacks %q", script, want)
		}
	}
	// rs.initiate must only run when rs.status() fails, so the check can run
	// every few seconds forever.
	if !regexp.MustCompile(`try \{ rs\.status\(\) \} catch \(e\) \{ rs\.initiate\(`).MatchString(script) {
		t.Errorf("mongo healthcheck must call rs.initiate only when rs.status() throws: %q", script)
	}
}

// TestDeployComposeVariables checks the ${...} interpolations against
// .env.example: every required secret is listed there empty (so a copy left
// unedited still stops compose), and every other variable is documented.
func TestDeployComposeVariables(t *testing.T) {
	_, text := loadCompose(t)
	text = stripYAMLComments(text)
	token := regexp.MustCompile(`\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)((?::?[-?+])[^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)|\$`)
	required, optional := map[string]bool{}, map[string]bool{}
	for _, m := range token.FindAllStringSubmatch(text, -1) {
		switch {
		case m[0] == "$$":
		case m[0] == "$":
			t.Error("docker-compose.yml: a lone $ (write $$ for a literal dollar)")
		case m[3] != "":
			optional[m[3]] = true
		case strings.HasPrefix(m[2], ":?") || strings.HasPrefix(m[2], "?"):
			required[m[1]] = true
		default:
			optional[m[1]] = true
		}
	}
	for _, secret := range requiredSecrets {
		if !required[secret] {
			t.Errorf("docker-compose.yml: %s is not required with ${%s:?...}", secret, secret)
		}
	}

	set, documented := map[string]string{}, map[string]bool{}
	for _, line := range strings.Split(string(readFile(t, ".env.example")), "\n") {
		line = strings.TrimSpace(line)
		if m := regexp.MustCompile(`^#\s*([A-Z_][A-Z0-9_]*)=`).FindStringSubmatch(line); m != nil {
			documented[m[1]] = true
		} else if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			set[k] = v
			documented[k] = true
		}
	}
	for name := range required {
		if v, ok := set[name]; !ok {
			t.Errorf(".env.example: required variable %s is missing", name)
		} else if v != "" {
			t.Errorf(".env.example: %s=%q; leave it empty so that an unedited copy stops compose", name, v)
		}
	}
	for name := range set {
		if !required[name] {
			t.Errorf(".env.example: %s is set but docker-compose.yml does not require it", name)
		}
	}
	for name := range optional {
		if !documented[name] {
			t.Errorf("docker-compose.yml uses ${%s} but .env.example does not mention it", name)
		}
	}
}

// TestDeployComposeLoadBalancer holds nginx.conf against the compose file:
// it balances over exactly the engine services, on the engines' port, and
// listens where compose publishes it.
func TestDeployComposeLoadBalancer(t *testing.T) {
	f, _ := loadCompose(t)
	engines := engineServices(t, f)
	lbName, lb := serviceWithImagePrefix(t, f, "nginx:")
	if !slices.Contains(lb.Volumes, "./nginx.conf:/etc/nginx/nginx.conf:ro") {
		t.Errorf("%s: nginx.conf is not mounted as /etc/nginx/nginx.conf (volumes %q)", lbName, lb.Volumes)
	}
	for _, e := range engines {
		if d, ok := lb.DependsOn[e]; !ok || d.Condition != "service_healthy" {
			t.Errorf("%s: must wait for %s to be healthy", lbName, e)
		}
	}
	conf := regexp.MustCompile(`#[^\n]*`).ReplaceAllString(string(readFile(t, "nginx.conf")), "")

	up := regexp.MustCompile(`upstream\s+(\S+)\s*\{([^}]*)\}`).FindStringSubmatch(conf)
	if up == nil {
		t.Fatal("nginx.conf: no upstream block")
	}
	if pass := regexp.MustCompile(`proxy_pass\s+http://([^;/\s]+)`).FindStringSubmatch(conf); pass == nil || pass[1] != up[1] {
		t.Errorf("nginx.conf: proxy_pass does not go to upstream %s", up[1])
	}
	if regexp.MustCompile(`\b(least_conn|ip_hash|hash|random)\b`).MatchString(up[2]) {
		t.Error("nginx.conf: the engines are stateless; keep nginx's round robin")
	}
	enginePort := addrPort(t, f.Services[engines[0]].Environment["GATEHOUSE_ADDR"])
	var servers []string
	for _, m := range regexp.MustCompile(`(?m)^\s*server\s+([^\s;]+)`).FindAllStringSubmatch(up[2], -1) {
		servers = append(servers, m[1])
	}
	var want []string
	for _, e := range engines {
		want = append(want, net.JoinHostPort(e, enginePort))
	}
	slices.Sort(servers)
	if !slices.Equal(servers, want) {
		t.Errorf("nginx.conf: upstream servers %q, want the engine services %q", servers, want)
	}

	listen := nginxListen(t)
	if len(lb.Ports) != 1 || publishedContainerPort(lb.Ports[0]) != listen {
		t.Errorf("%s: publishes %q, but nginx listens on %s", lbName, lb.Ports, listen)
	}
	if lb.Healthcheck == nil || !strings.Contains(strings.Join(lb.Healthcheck.Test, " "), "127.0.0.1:"+listen+"/health/ready") {
		t.Errorf("%s: healthcheck must fetch /health/ready through nginx (port %s)", lbName, listen)
	} else {
		checkReadinessPath(t, lbName+" healthcheck", "/health/ready")
	}
}

// TestDeployComposeFrontend checks the example frontend's wiring: engine URL
// through the load balancer, the demo credentials of seed.yaml, and the port
// that the seeded issuer and redirect URIs name.
func TestDeployComposeFrontend(t *testing.T) {
	f, _ := loadCompose(t)
	var name string
	var fe composeService
	for n, svc := range f.Services {
		if svc.Build != nil && filepath.Base(svc.Build.dockerfile()) == "Dockerfile.frontend" {
			name, fe = n, svc
		}
	}
	if name == "" {
		t.Fatal("docker-compose.yml: no service builds Dockerfile.frontend")
	}
	for k := range fe.Environment {
		if !frontendSettings[k] {
			t.Errorf("%s: %s is not a setting of frontend-example (%v)", name, k, keys(frontendSettings))
		}
	}

	lbName, _ := serviceWithImagePrefix(t, f, "nginx:")
	if want := "http://" + lbName + ":" + nginxListen(t); fe.Environment["GATEHOUSE_URL"] != want {
		t.Errorf("%s: GATEHOUSE_URL=%q, want the load balancer %s", name, fe.Environment["GATEHOUSE_URL"], want)
	}
	if d, ok := fe.DependsOn[lbName]; !ok || d.Condition != "service_healthy" {
		t.Errorf("%s: must wait for %s to be healthy", name, lbName)
	}

	// The credentials are those of a seeded service.
	seed := loadSeed(t)
	var svc *struct{ issuer, secret string }
	for _, s := range seed.Services {
		if strconv.FormatInt(s.Service.APIKey, 10) == fe.Environment["GATEHOUSE_API_KEY"] {
			svc = &struct{ issuer, secret string }{s.Service.Issuer, s.APISecret}
		}
	}
	if svc == nil {
		t.Fatalf("%s: GATEHOUSE_API_KEY=%q is not a service of seed.yaml", name, fe.Environment["GATEHOUSE_API_KEY"])
	}
	if fe.Environment["GATEHOUSE_API_SECRET"] != svc.secret {
		t.Errorf("%s: GATEHOUSE_API_SECRET is not the seeded service's apiSecret", name)
	}

	// The browser reaches the frontend at the seeded issuer, so the published
	// host port, the container port and FRONTEND_ADDR must all agree with it.
	issuer, err := url.Parse(svc.issuer)
	if err != nil {
		t.Fatal(err)
	}
	if len(fe.Ports) != 1 || strings.Count(fe.Ports[0], ":") != 2 {
		t.Fatalf("%s: ports %q, want one 127.0.0.1:HOST:CONTAINER", name, fe.Ports)
	}
	parts := strings.Split(fe.Ports[0], ":")
	if parts[1] != issuer.Port() {
		t.Errorf("%s: published on host port %s, but the seeded issuer is %s", name, parts[1], svc.issuer)
	}
	if got := addrPort(t, fe.Environment["FRONTEND_ADDR"]); got != parts[2] {
		t.Errorf("%s: FRONTEND_ADDR port %s, but compose publishes container port %s", name, got, parts[2])
	}
	if exposed := finalStage(t, "Dockerfile.frontend").exposed(); !slices.Equal(exposed, []string{parts[2]}) {
		t.Errorf("Dockerfile.frontend exposes %q, compose publishes container port %s", exposed, parts[2])
	}
}
