package deploy_test

import (
	"encoding/json"
	"net"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// requiredSecrets are the variables compose must refuse to start without.
var requiredSecrets = []string{"GATEHOUSE_MASTER_KEY", "GATEHOUSE_ADMIN_KEY", "GATEHOUSE_ADMIN_SECRET"}

// The top-level and service keys of the Compose Specification; anything else
// (but x- extensions) is an error for `docker compose`.
var (
	composeTopKeys     = setOf("version", "name", "include", "services", "networks", "volumes", "configs", "secrets", "models")
	composeServiceKeys = setOf(
		"annotations", "attach", "blkio_config", "build", "cap_add", "cap_drop", "cgroup", "cgroup_parent",
		"command", "configs", "container_name", "cpu_count", "cpu_percent", "cpu_period", "cpu_quota",
		"cpu_rt_period", "cpu_rt_runtime", "cpu_shares", "cpus", "cpuset", "credential_spec", "depends_on",
		"deploy", "develop", "device_cgroup_rules", "devices", "dns", "dns_opt", "dns_search", "domainname",
		"entrypoint", "env_file", "environment", "expose", "extends", "external_links", "extra_hosts", "gpus",
		"group_add", "healthcheck", "hostname", "image", "init", "ipc", "isolation", "labels", "links",
		"logging", "mac_address", "mem_limit", "mem_reservation", "mem_swappiness", "memswap_limit",
		"network_mode", "networks", "oom_kill_disable", "oom_score_adj", "pid", "pids_limit", "platform",
		"ports", "post_start", "pre_stop", "privileged", "profiles", "pull_policy", "read_only", "restart",
		"runtime", "scale", "secrets", "security_opt", "shm_size", "stdin_open", "stop_grace_period",
		"stop_signal", "storage_opt", "sysctls", "tmpfs", "tty", "ulimits", "user", "userns_mode", "uts",
		"volumes", "volumes_from", "working_dir",
	)
	dependsOnConditions = setOf("service_started", "service_healthy", "service_completed_successfully")
)

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

type composeFile struct {
	Services map[string]composeService `json:"services"`
	Volumes  map[string]any            `json:"volumes"`
}

type composeService struct {
	Image       string            `json:"image"`
	Build       *composeBuild     `json:"build"`
	PullPolicy  string            `json:"pull_policy"`
	Command     []string          `json:"command"`
	Environment map[string]string `json:"environment"`
	DependsOn   map[string]struct {
		Condition string `json:"condition"`
	} `json:"depends_on"`
	Ports       []string `json:"ports"`
	Volumes     []string `json:"volumes"`
	Healthcheck *struct {
		Test []string `json:"test"`
	} `json:"healthcheck"`
	StopGracePeriod string `json:"stop_grace_period"`
}

type composeBuild struct {
	Context    string `json:"context"`
	Dockerfile string `json:"dockerfile"`
}

// dockerfile is the Dockerfile path of a build, relative to this directory.
func (b composeBuild) dockerfile() string {
	name := b.Dockerfile
	if name == "" {
		name = "Dockerfile"
	}
	return filepath.Join(b.Context, name)
}

// loadCompose parses docker-compose.yml. The typed decode fails on the long
// syntaxes this file does not use (environment as a list, depends_on as a
// list, ports as maps), which keeps the checks below simple.
func loadCompose(t *testing.T) (composeFile, string) {
	t.Helper()
	data := readFile(t, "docker-compose.yml")
	var raw map[string]json.RawMessage
	unmarshalYAML(t, "docker-compose.yml", data, &raw)
	for k := range raw {
		if !composeTopKeys[k] && !strings.HasPrefix(k, "x-") {
			t.Errorf("docker-compose.yml: unknown top-level key %q", k)
		}
	}
	var services map[string]map[string]json.RawMessage
	if err := json.Unmarshal(raw["services"], &services); err != nil {
		t.Fatalf("docker-compose.yml: services: %v", err)
	}
	for name, svc := range services {
		for k := range svc {
			if !composeServiceKeys[k] && !strings.HasPrefix(k, "x-") {
				t.Errorf("docker-compose.yml: service %s: unknown key %q", name, k)
			}
		}
	}
	var f composeFile
	unmarshalYAML(t, "docker-compose.yml", data, &f)
	return f, string(data)
}

// engineServices are the services that run the engine image.
func engineServices(t *testing.T, f composeFile) []string {
	t.Helper()
	var image string
	for _, svc := range f.Services {
		if svc.Build != nil && filepath.Base(svc.Build.dockerfile()) == "Dockerfile" {
			image = svc.Image
		}
	}
	if image == "" {
		t.Fatal("docker-compose.yml: no service builds deploy/Dockerfile (with an image name)")
	}
	var names []string
	for name, svc := range f.Services {
		if svc.Image == image {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// serviceWithImagePrefix returns the one service whose image starts with prefix.
func serviceWithImagePrefix(t *testing.T, f composeFile, prefix string) (string, composeService) {
	t.Helper()
	for name, svc := range f.Services {
		if strings.HasPrefix(svc.Image, prefix) {
			return name, svc
		}
	}
	t.Fatalf("docker-compose.yml: no service runs an image %s*", prefix)
	return "", composeService{}
}

// nginxListen is the port nginx.conf listens on.
func nginxListen(t *testing.T) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^\s*listen\s+(\d+)`).FindStringSubmatch(string(readFile(t, "nginx.conf")))
	if m == nil {
		t.Fatal("nginx.conf: no listen port")
	}
	return m[1]
}

// addrPort is the port of a Go listen address such as ":8080".
func addrPort(t *testing.T, addr string) string {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("listen address %q: %v", addr, err)
	}
	return port
}

// publishedContainerPort is CONTAINER of "IP:HOST:CONTAINER".
func publishedContainerPort(p string) string {
	return p[strings.LastIndex(p, ":")+1:]
}
