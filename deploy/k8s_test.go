package deploy_test

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestDeployKubernetesDeployment(t *testing.T) {
	ms := loadManifests(t)
	d, spec, c := engineDeployment(t, ms)
	pod := spec.Template.Spec
	labels := spec.Template.Metadata.Labels
	if !selects(spec.Selector, labels) {
		t.Errorf("%s: selector %v does not select the template's labels %v", d.file, spec.Selector.MatchLabels, labels)
	}
	for _, tsc := range pod.TopologySpreadConstraints {
		if !selects(tsc.LabelSelector, labels) {
			t.Errorf("%s: topology spread selector %v does not select the pods", d.file, tsc.LabelSelector.MatchLabels)
		}
	}
	if spec.Replicas == nil || *spec.Replicas < 2 {
		t.Errorf("%s: replicas %s; want at least 2", d.file, show(spec.Replicas))
	}
	if ru := spec.Strategy.RollingUpdate; spec.Strategy.Type != "RollingUpdate" || ru == nil || (ru.MaxUnavailable != 0.0 && ru.MaxUnavailable != "0%") {
		t.Errorf("%s: want a RollingUpdate with maxUnavailable 0", d.file)
	}

	// The image's port, user and probes.
	final := finalStage(t, "Dockerfile")
	if !slices.Equal(final.exposed(), []string{strconv.Itoa(c.Ports[0].ContainerPort)}) {
		t.Errorf("%s: container ports %+v; the image exposes %v", d.file, c.Ports, final.exposed())
	}
	uid := final.user(t)
	if pod.SecurityContext.RunAsUser == nil || strconv.FormatInt(*pod.SecurityContext.RunAsUser, 10) != uid {
		t.Errorf("%s: runAsUser %s; the image's USER is %s", d.file, show(pod.SecurityContext.RunAsUser), uid)
	}
	portOK := func(p any) bool {
		return p == c.Ports[0].Name || p == float64(c.Ports[0].ContainerPort)
	}
	for _, pr := range []struct {
		name  string
		probe *probe
		check func(*testing.T, string, string)
	}{
		{"readinessProbe", c.ReadinessProbe, checkReadinessPath},
		{"livenessProbe", c.LivenessProbe, checkLivenessPath},
		{"startupProbe", c.StartupProbe, checkLivenessPath},
	} {
		if pr.probe == nil || pr.probe.HTTPGet == nil {
			t.Errorf("%s: no HTTP %s", d.file, pr.name)
			continue
		}
		if !portOK(pr.probe.HTTPGet.Port) {
			t.Errorf("%s: %s on port %v, not the container's", d.file, pr.name, pr.probe.HTTPGet.Port)
		}
		pr.check(t, d.file+" "+pr.name, pr.probe.HTTPGet.Path)
	}
	// The engine pings the store for at most 2 s (api.readyTimeout); a shorter
	// probe timeout would fail pods whose store is merely slow.
	if c.ReadinessProbe != nil && c.ReadinessProbe.TimeoutSeconds <= 2 {
		t.Errorf("%s: readinessProbe timeoutSeconds %d; want more than the engine's 2 s store ping", d.file, c.ReadinessProbe.TimeoutSeconds)
	}

	for _, kind := range []string{"requests", "limits"} {
		res := map[string]map[string]string{"requests": c.Resources.Requests, "limits": c.Resources.Limits}[kind]
		for _, r := range []string{"cpu", "memory"} {
			if res[r] == "" {
				t.Errorf("%s: resources.%s.%s missing", d.file, kind, r)
			}
		}
	}

	// Shutdown: the preStop sleep, then the engine's graceful shutdown, must
	// both fit in the grace period.
	pre := c.Lifecycle.PreStop
	if pre == nil || pre.Sleep == nil || pre.Sleep.Seconds <= 0 {
		t.Fatalf("%s: want a preStop sleep so endpoint removal propagates before SIGTERM", d.file)
	}
	need := time.Duration(pre.Sleep.Seconds)*time.Second + shutdownTimeout(t)
	if g := pod.TerminationGracePeriodSeconds; g == nil || time.Duration(*g)*time.Second <= need {
		t.Errorf("%s: terminationGracePeriodSeconds %s; want more than preStop %ds + shutdown %s", d.file, show(g), pre.Sleep.Seconds, shutdownTimeout(t))
	}
}

func TestDeployKubernetesSecurityContext(t *testing.T) {
	d, spec, c := engineDeployment(t, loadManifests(t))
	pod, sc := spec.Template.Spec.SecurityContext, c.SecurityContext
	isTrue := func(b *bool) bool { return b != nil && *b }
	if !isTrue(pod.RunAsNonRoot) && !isTrue(sc.RunAsNonRoot) {
		t.Errorf("%s: runAsNonRoot not set", d.file)
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("%s: allowPrivilegeEscalation must be false", d.file)
	}
	if !isTrue(sc.ReadOnlyRootFilesystem) {
		t.Errorf("%s: readOnlyRootFilesystem must be true", d.file)
	}
	if !slices.Contains(sc.Capabilities.Drop, "ALL") {
		t.Errorf("%s: capabilities.drop must contain ALL", d.file)
	}
	for _, p := range []*seccompProfile{pod.SeccompProfile, sc.SeccompProfile} {
		if p != nil && p.Type != "RuntimeDefault" {
			t.Errorf("%s: seccompProfile %s; want RuntimeDefault", d.file, p.Type)
		}
	}
	if pod.SeccompProfile == nil && sc.SeccompProfile == nil {
		t.Errorf("%s: no seccompProfile", d.file)
	}
}

// TestDeployKubernetesSettings checks the container's environment against
// the engine's settings and against the ConfigMap and Secret it reads.
func TestDeployKubernetesSettings(t *testing.T) {
	ms := loadManifests(t)
	d, _, c := engineDeployment(t, ms)
	cm, secret := ms["ConfigMap"], ms["Secret"]
	if len(c.EnvFrom) != 0 {
		t.Errorf("%s: envFrom hides which settings the engine gets; name each variable", d.file)
	}
	var names []string
	set := map[string]bool{}
	usedCM, usedSecret := map[string]bool{}, map[string]bool{}
	for _, e := range c.Env {
		names = append(names, e.Name)
		set[e.Name] = true
		switch {
		case e.ValueFrom == nil:
		case e.ValueFrom.ConfigMapKeyRef != nil:
			ref := e.ValueFrom.ConfigMapKeyRef
			if ref.Name != cm.Metadata.Name || cm.Data[ref.Key] == "" {
				t.Errorf("%s: %s reads ConfigMap %s key %s, which %s does not hold", d.file, e.Name, ref.Name, ref.Key, cm.file)
			}
			usedCM[ref.Key] = true
		case e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			if ref.Name != secret.Metadata.Name || secret.StringData[ref.Key] == "" {
				t.Errorf("%s: %s reads Secret %s key %s, which %s does not hold", d.file, e.Name, ref.Name, ref.Key, secret.file)
			}
			usedSecret[ref.Key] = true
		}
	}
	checkEngineEnv(t, d.file, names)
	requireEngineConfig(t, d.file, set)
	for _, secretName := range []string{"GATEHOUSE_MONGO_URI", "GATEHOUSE_MASTER_KEY", "GATEHOUSE_ADMIN_SECRET"} {
		if !usedSecret[secretName] {
			t.Errorf("%s: %s must come from the Secret", d.file, secretName)
		}
	}
	for k := range cm.Data {
		if !usedCM[k] {
			t.Errorf("%s: %s is never given to the engine", cm.file, k)
		}
	}
	for k := range secret.StringData {
		if !usedSecret[k] {
			t.Errorf("%s: %s is never given to the engine", secret.file, k)
		}
	}
	checkEngineEnv(t, cm.file, keys(cm.Data))
	addrPortMatches := addrPort(t, cm.Data["GATEHOUSE_ADDR"]) == strconv.Itoa(c.Ports[0].ContainerPort)
	if !addrPortMatches {
		t.Errorf("%s: GATEHOUSE_ADDR %s, but the container port is %d", cm.file, cm.Data["GATEHOUSE_ADDR"], c.Ports[0].ContainerPort)
	}

	// The example Secret is marked as such and holds no usable secret.
	text := string(readFile(t, secret.file))
	if !strings.Contains(text, "EXAMPLE ONLY") {
		t.Errorf("%s: must say EXAMPLE ONLY", secret.file)
	}
	for _, k := range []string{"GATEHOUSE_MONGO_URI", "GATEHOUSE_MASTER_KEY", "GATEHOUSE_ADMIN_SECRET"} {
		if !strings.Contains(secret.StringData[k], "REPLACE-ME") {
			t.Errorf("%s: %s = %q is not a marked placeholder", secret.file, k, secret.StringData[k])
		}
	}
}

func TestDeployKubernetesServiceHPAPDB(t *testing.T) {
	ms := loadManifests(t)
	d, spec, c := engineDeployment(t, ms)
	labels := spec.Template.Metadata.Labels

	svc := ms["Service"]
	var svcSpec struct {
		Type     string            `json:"type"`
		Selector map[string]string `json:"selector"`
		Ports    []struct {
			Port       int `json:"port"`
			TargetPort any `json:"targetPort"`
		} `json:"ports"`
	}
	decodeSpec(t, svc, &svcSpec)
	if !selects(labelSelector{MatchLabels: svcSpec.Selector}, labels) {
		t.Errorf("%s: selector %v does not select the Deployment's pods %v", svc.file, svcSpec.Selector, labels)
	}
	if svcSpec.Type != "" && svcSpec.Type != "ClusterIP" {
		t.Errorf("%s: type %s; the engine API is for frontends inside the cluster (ClusterIP)", svc.file, svcSpec.Type)
	}
	for _, p := range svcSpec.Ports {
		if p.TargetPort != c.Ports[0].Name && p.TargetPort != float64(c.Ports[0].ContainerPort) {
			t.Errorf("%s: targetPort %v is not the container's port", svc.file, p.TargetPort)
		}
	}

	hpa := ms["HorizontalPodAutoscaler"]
	var hpaSpec struct {
		ScaleTargetRef struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Name       string `json:"name"`
		} `json:"scaleTargetRef"`
		MinReplicas *int `json:"minReplicas"`
		MaxReplicas int  `json:"maxReplicas"`
		Metrics     []struct {
			Type     string `json:"type"`
			Resource *struct {
				Name string `json:"name"`
			} `json:"resource"`
		} `json:"metrics"`
	}
	decodeSpec(t, hpa, &hpaSpec)
	if ref := hpaSpec.ScaleTargetRef; ref.APIVersion != d.APIVersion || ref.Kind != d.Kind || ref.Name != d.Metadata.Name {
		t.Errorf("%s: scales %s %s %s, not the Deployment %s", hpa.file, ref.APIVersion, ref.Kind, ref.Name, d.Metadata.Name)
	}
	if hpaSpec.MinReplicas == nil || *hpaSpec.MinReplicas < 2 || hpaSpec.MaxReplicas < *hpaSpec.MinReplicas {
		t.Errorf("%s: minReplicas %s, maxReplicas %d; want 2 ≤ min ≤ max", hpa.file, show(hpaSpec.MinReplicas), hpaSpec.MaxReplicas)
	}
	cpu := slices.ContainsFunc(hpaSpec.Metrics, func(m struct {
		Type     string `json:"type"`
		Resource *struct {
			Name string `json:"name"`
		} `json:"resource"`
	}) bool {
		return m.Type == "Resource" && m.Resource != nil && m.Resource.Name == "cpu"
	})
	if !cpu {
		t.Errorf("%s: no CPU resource metric", hpa.file)
	}
	if c.Resources.Requests["cpu"] == "" {
		t.Errorf("%s: CPU utilization is relative to the CPU request, which is missing", d.file)
	}

	pdb := ms["PodDisruptionBudget"]
	var pdbSpec struct {
		Selector       labelSelector `json:"selector"`
		MinAvailable   any           `json:"minAvailable"`
		MaxUnavailable any           `json:"maxUnavailable"`
	}
	decodeSpec(t, pdb, &pdbSpec)
	if !selects(pdbSpec.Selector, labels) {
		t.Errorf("%s: selector %v does not select the Deployment's pods %v", pdb.file, pdbSpec.Selector.MatchLabels, labels)
	}
	// A budget that allows no disruption blocks every node drain.
	if n, ok := pdbSpec.MaxUnavailable.(float64); pdbSpec.MinAvailable != nil || !ok || n < 1 {
		t.Errorf("%s: want maxUnavailable ≥ 1 (and no minAvailable), so that drains can proceed", pdb.file)
	}
}

// TestDeployKustomization checks that `kubectl apply -k` applies every
// manifest but the example Secret, with the Deployment's image replaced.
func TestDeployKustomization(t *testing.T) {
	var k struct {
		APIVersion string   `json:"apiVersion"`
		Kind       string   `json:"kind"`
		Resources  []string `json:"resources"`
		Images     []struct {
			Name    string `json:"name"`
			NewName string `json:"newName"`
		} `json:"images"`
	}
	path := filepath.Join("k8s", "kustomization.yaml")
	unmarshalYAML(t, path, readFile(t, path), &k)
	if k.APIVersion != "kustomize.config.k8s.io/v1beta1" || k.Kind != "Kustomization" {
		t.Errorf("%s: %s %s", path, k.APIVersion, k.Kind)
	}
	entries, err := os.ReadDir("k8s")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, e := range entries {
		if n := e.Name(); strings.HasSuffix(n, ".yaml") && n != "kustomization.yaml" && n != "secret.example.yaml" {
			want = append(want, n)
		}
	}
	got := slices.Clone(k.Resources)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("%s: resources %q, want %q (every manifest, never secret.example.yaml)", path, got, want)
	}
	_, _, c := engineDeployment(t, loadManifests(t))
	if len(k.Images) != 1 || k.Images[0].Name != c.Image || k.Images[0].NewName == "" {
		t.Errorf("%s: images must map the Deployment's image %q to a registry image", path, c.Image)
	}
}
