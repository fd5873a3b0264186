package deploy_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
)

// manifest is the part every Kubernetes object shares; Spec is decoded per kind.
type manifest struct {
	file       string
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   objectMeta        `json:"metadata"`
	Spec       json.RawMessage   `json:"spec"`
	Data       map[string]string `json:"data"`
	StringData map[string]string `json:"stringData"`
}

type objectMeta struct {
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels"`
}

type labelSelector struct {
	MatchLabels      map[string]string `json:"matchLabels"`
	MatchExpressions []any             `json:"matchExpressions"`
}

type deploymentSpec struct {
	Replicas *int          `json:"replicas"`
	Selector labelSelector `json:"selector"`
	Strategy struct {
		Type          string `json:"type"`
		RollingUpdate *struct {
			MaxUnavailable any `json:"maxUnavailable"`
		} `json:"rollingUpdate"`
	} `json:"strategy"`
	Template struct {
		Metadata objectMeta `json:"metadata"`
		Spec     podSpec    `json:"spec"`
	} `json:"template"`
}

type podSpec struct {
	TerminationGracePeriodSeconds *int `json:"terminationGracePeriodSeconds"`
	SecurityContext               struct {
		RunAsNonRoot   *bool           `json:"runAsNonRoot"`
		RunAsUser      *int64          `json:"runAsUser"`
		SeccompProfile *seccompProfile `json:"seccompProfile"`
	} `json:"securityContext"`
	TopologySpreadConstraints []struct {
		LabelSelector labelSelector `json:"labelSelector"`
	} `json:"topologySpreadConstraints"`
	Containers []container `json:"containers"`
}

type seccompProfile struct {
	Type string `json:"type"`
}

type container struct {
	Name  string `json:"name"`
	Image string `json:"image"`
	Ports []struct {
		Name          string `json:"name"`
		ContainerPort int    `json:"containerPort"`
	} `json:"ports"`
	Env []struct {
		Name      string `json:"name"`
		Value     string `json:"value"`
		ValueFrom *struct {
			ConfigMapKeyRef *keyRef `json:"configMapKeyRef"`
			SecretKeyRef    *keyRef `json:"secretKeyRef"`
		} `json:"valueFrom"`
	} `json:"env"`
	EnvFrom   []any `json:"envFrom"`
	Resources struct {
		Requests map[string]string `json:"requests"`
		Limits   map[string]string `json:"limits"`
	} `json:"resources"`
	StartupProbe   *probe `json:"startupProbe"`
	ReadinessProbe *probe `json:"readinessProbe"`
	LivenessProbe  *probe `json:"livenessProbe"`
	Lifecycle      struct {
		PreStop *struct {
			Sleep *struct {
				Seconds int `json:"seconds"`
			} `json:"sleep"`
		} `json:"preStop"`
	} `json:"lifecycle"`
	SecurityContext struct {
		RunAsNonRoot             *bool `json:"runAsNonRoot"`
		AllowPrivilegeEscalation *bool `json:"allowPrivilegeEscalation"`
		ReadOnlyRootFilesystem   *bool `json:"readOnlyRootFilesystem"`
		Capabilities             struct {
			Drop []string `json:"drop"`
		} `json:"capabilities"`
		SeccompProfile *seccompProfile `json:"seccompProfile"`
	} `json:"securityContext"`
}

type keyRef struct {
	Name string `json:"name"`
	Key  string `json:"key"`
}

type probe struct {
	HTTPGet *struct {
		Path string `json:"path"`
		Port any    `json:"port"`
	} `json:"httpGet"`
	TimeoutSeconds int `json:"timeoutSeconds"`
}

// knownKinds are the API versions this directory may use: stable ones only.
var knownKinds = map[string]string{
	"Deployment":              "apps/v1",
	"Service":                 "v1",
	"ConfigMap":               "v1",
	"Secret":                  "v1",
	"HorizontalPodAutoscaler": "autoscaling/v2",
	"PodDisruptionBudget":     "policy/v1",
}

// loadManifests parses every manifest of k8s/ but the kustomization, by kind.
func loadManifests(t *testing.T) map[string]manifest {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("k8s", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	byKind := map[string]manifest{}
	for _, file := range files {
		if filepath.Base(file) == "kustomization.yaml" {
			continue
		}
		for _, doc := range yamlDocuments(readFile(t, file)) {
			m := manifest{file: file}
			unmarshalYAML(t, file, doc, &m)
			if m.APIVersion == "" || m.Kind == "" || m.Metadata.Name == "" {
				t.Errorf("%s: apiVersion, kind and metadata.name are required (got %q %q %q)", file, m.APIVersion, m.Kind, m.Metadata.Name)
				continue
			}
			if want, ok := knownKinds[m.Kind]; !ok || want != m.APIVersion {
				t.Errorf("%s: %s %s; want one of %v", file, m.APIVersion, m.Kind, knownKinds)
			}
			if _, dup := byKind[m.Kind]; dup {
				t.Errorf("%s: a second %s", file, m.Kind)
			}
			byKind[m.Kind] = m
		}
	}
	for kind := range knownKinds {
		if _, ok := byKind[kind]; !ok {
			t.Errorf("k8s/: no %s", kind)
		}
	}
	return byKind
}

func decodeSpec(t *testing.T, m manifest, v any) {
	t.Helper()
	if err := json.Unmarshal(m.Spec, v); err != nil {
		t.Fatalf("%s: spec: %v", m.file, err)
	}
}

// show renders an optional field for a failure message.
func show[T any](p *T) string {
	if p == nil {
		return "unset"
	}
	return fmt.Sprint(*p)
}

// selects reports whether sel selects pods labelled labels.
func selects(sel labelSelector, labels map[string]string) bool {
	if len(sel.MatchLabels) == 0 || len(sel.MatchExpressions) != 0 {
		return false
	}
	for k, v := range sel.MatchLabels {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// engineDeployment returns the Deployment and its one container.
func engineDeployment(t *testing.T, ms map[string]manifest) (manifest, deploymentSpec, container) {
	t.Helper()
	d := ms["Deployment"]
	var spec deploymentSpec
	decodeSpec(t, d, &spec)
	if len(spec.Template.Spec.Containers) != 1 {
		t.Fatalf("%s: want one container, got %d", d.file, len(spec.Template.Spec.Containers))
	}
	c := spec.Template.Spec.Containers[0]
	if len(c.Ports) != 1 {
		t.Fatalf("%s: want one container port, got %+v", d.file, c.Ports)
	}
	return d, spec, c
}
