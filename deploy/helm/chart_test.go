// Package helm_test renders the Helm chart in deploy/helm/baton with
// `helm template` and decodes every manifest strictly into the Kubernetes
// API types, so that a misspelt field fails here and not at `helm install`.
// It then checks what the chart is for: the probes, a non-root pod on a
// read-only file system, a team file that Baton's own loader accepts, the
// credentials taken from an existing Secret, and an environment that
// Baton's own config loader accepts.
//
// helm comes from PATH. Without it the test skips, unless
// BATON_REQUIRE_HELM=1 (as in CI), when it fails.
package helm_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"os"
	"os/exec"
	"path"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/baton-oncall/baton/config"
	"github.com/baton-oncall/baton/team"
)

const (
	chart     = "baton"
	fullValue = "baton/values-full.yaml"
	release   = "rel"
	namespace = "oncall"
)

// secretVars are the variables that hold credentials: the chart reads them
// from existingSecret and never from plain values.
var secretVars = []string{
	"BATON_WEBHOOK_TOKEN",
	"SLACK_BOT_TOKEN",
	"SLACK_SIGNING_SECRET",
	"SLACK_APP_TOKEN",
	"OPSGENIE_API_KEY",
	"TWILIO_AUTH_TOKEN",
	"JIRA_API_TOKEN",
	"TEMPORAL_API_KEY",
	"BATON_STATUS_TOKEN",
}

// helmPath finds helm on PATH, or skips (fails with BATON_REQUIRE_HELM=1).
func helmPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("helm")
	if err != nil {
		if os.Getenv("BATON_REQUIRE_HELM") == "1" {
			t.Fatalf("helm is not on PATH and BATON_REQUIRE_HELM=1: %v", err)
		}
		t.Skip("helm is not on PATH (install it with `go install helm.sh/helm/v3/cmd/helm@v3.22.0`); set BATON_REQUIRE_HELM=1 to make this a failure")
	}
	return p
}

// manifests are the documents of one `helm template`, decoded.
type manifests struct {
	deployments     []appsv1.Deployment
	services        []corev1.Service
	configMaps      []corev1.ConfigMap
	serviceAccounts []corev1.ServiceAccount
	serviceMonitors []map[string]any
}

var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*$`)

// render runs helm template on the chart with extra arguments and decodes
// each document strictly into its API type.
func render(t *testing.T, helm string, args ...string) manifests {
	t.Helper()
	cmd := exec.Command(helm, append([]string{"template", release, chart, "--namespace", namespace}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helm template %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	var m manifests
	for _, doc := range docSeparator.Split(string(out), -1) {
		if isBlank(doc) {
			continue
		}
		var meta struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
		}
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			t.Fatalf("a rendered document is not YAML: %v\n%s", err, doc)
		}
		strict := func(v any) {
			t.Helper()
			if err := yaml.UnmarshalStrict([]byte(doc), v); err != nil {
				t.Fatalf("%s does not decode strictly into %T: %v\n%s", meta.Kind, v, err, doc)
			}
		}
		want := map[string]string{
			"Deployment":     "apps/v1",
			"Service":        "v1",
			"ConfigMap":      "v1",
			"ServiceAccount": "v1",
			"ServiceMonitor": "monitoring.coreos.com/v1",
		}[meta.Kind]
		if want == "" {
			t.Fatalf("the chart renders a %s (%s) that this test does not know: decode and check it here\n%s", meta.Kind, meta.APIVersion, doc)
		}
		if meta.APIVersion != want {
			t.Errorf("%s has apiVersion %q, want %q", meta.Kind, meta.APIVersion, want)
		}
		switch meta.Kind {
		case "Deployment":
			decodeInto(strict, &m.deployments)
		case "Service":
			decodeInto(strict, &m.services)
		case "ConfigMap":
			decodeInto(strict, &m.configMaps)
		case "ServiceAccount":
			decodeInto(strict, &m.serviceAccounts)
		case "ServiceMonitor":
			decodeInto(strict, &m.serviceMonitors)
		}
	}
	return m
}

// decodeInto decodes the document with strict into a new T, added to list.
func decodeInto[T any](strict func(any), list *[]T) {
	var v T
	strict(&v)
	*list = append(*list, v)
}

// isBlank reports whether a document holds only comments and blank lines.
func isBlank(doc string) bool {
	for _, line := range strings.Split(doc, "\n") {
		if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "#") {
			return false
		}
	}
	return true
}

func TestStrictDecodingRejectsUnknownFields(t *testing.T) {
	// The chart test rests on this: a field that Kubernetes does not know
	// must fail to decode, not be dropped.
	doc := "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: w\n          readinessProbes: {}\n"
	var d appsv1.Deployment
	if err := yaml.UnmarshalStrict([]byte(doc), &d); err == nil {
		t.Fatal("UnmarshalStrict accepted an unknown field")
	}
}

func TestChartLints(t *testing.T) {
	helm := helmPath(t)
	for _, args := range [][]string{nil, {"-f", fullValue}} {
		cmd := exec.Command(helm, append([]string{"lint", "--strict", chart}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("helm lint --strict %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

func TestChartDefaults(t *testing.T) {
	helm := helmPath(t)
	m := render(t, helm)
	w := checkCommon(t, m, nil)

	if len(m.serviceMonitors) != 0 {
		t.Errorf("default values render %d ServiceMonitors, want none (it needs the Prometheus Operator's CRDs)", len(m.serviceMonitors))
	}
	for _, e := range w.container.Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			t.Errorf("without existingSecret, %s still reads Secret %q", e.Name, e.ValueFrom.SecretKeyRef.Name)
		}
	}
	if got := w.teams.Names(); !slices.Equal(got, []string{"data"}) {
		t.Errorf("default team file has teams %v, want [data]", got)
	}
	cfg := loadConfig(t, w.container.Env, nil)
	if cfg.TemporalAddress != "temporal-frontend.temporal.svc.cluster.local:7233" || cfg.TemporalNamespace != "default" {
		t.Errorf("Temporal: %s namespace %s", cfg.TemporalAddress, cfg.TemporalNamespace)
	}
	if cfg.SlackBotToken != "" || cfg.WebhookToken != "" || cfg.TemporalTLSCert != "" {
		t.Errorf("default values set credentials: %+v", cfg)
	}
	if cfg.LogFormat != "json" {
		t.Errorf("BATON_LOG_FORMAT %q, want json in a cluster", cfg.LogFormat)
	}
}

func TestChartFullValues(t *testing.T) {
	helm := helmPath(t)
	m := render(t, helm, "-f", fullValue)
	w := checkCommon(t, m, []string{"TZ", "GOMEMLIMIT", "WEB_WEBHOOK_TOKEN"})
	d, c := w.deployment, w.container

	// The existing Secret, for every credential, by the keys values-full
	// gives, and never as a plain value.
	secretKeys := map[string]string{}
	for _, e := range c.Env {
		if !slices.Contains(secretVars, e.Name) {
			continue
		}
		if e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
			t.Errorf("%s is not read from a Secret: %+v", e.Name, e)
			continue
		}
		ref := e.ValueFrom.SecretKeyRef
		if ref.Name != "baton-credentials" {
			t.Errorf("%s reads Secret %q, want the existingSecret baton-credentials", e.Name, ref.Name)
		}
		if ref.Optional == nil || !*ref.Optional {
			t.Errorf("%s: a key missing from the Secret must leave the variable unset, not block the pod", e.Name)
		}
		secretKeys[e.Name] = ref.Key
	}
	wantKeys := map[string]string{
		"BATON_WEBHOOK_TOKEN":  "webhook-token",
		"SLACK_BOT_TOKEN":      "slack-bot-token",
		"SLACK_SIGNING_SECRET": "slack-signing-secret",
		"SLACK_APP_TOKEN":      "slack-app-token",
		"OPSGENIE_API_KEY":     "opsgenie-api-key",
		"TWILIO_AUTH_TOKEN":    "twilio-auth-token",
		"JIRA_API_TOKEN":       "jira-api-token",
		"TEMPORAL_API_KEY":     "temporal-api-key",
		"BATON_STATUS_TOKEN":   "status-token",
	}
	for _, name := range secretVars {
		if _, ok := secretKeys[name]; !ok {
			t.Errorf("%s is not read from the existing Secret", name)
		} else if secretKeys[name] != wantKeys[name] {
			t.Errorf("%s reads key %q of the Secret, want %q", name, secretKeys[name], wantKeys[name])
		}
	}

	// mTLS to Temporal: both files from the mounted client Secret.
	mounts := map[string]corev1.VolumeMount{}
	for _, vm := range c.VolumeMounts {
		mounts[vm.Name] = vm
	}
	var tlsVolume *corev1.Volume
	for i, v := range d.Spec.Template.Spec.Volumes {
		if v.Secret != nil && v.Secret.SecretName == "baton-temporal-client" {
			tlsVolume = &d.Spec.Template.Spec.Volumes[i]
		}
	}
	if tlsVolume == nil {
		t.Fatal("no volume from the Temporal client Secret baton-temporal-client")
	}
	tlsMount, ok := mounts[tlsVolume.Name]
	if !ok || !tlsMount.ReadOnly {
		t.Fatalf("the Temporal client Secret is not mounted read-only: %+v", tlsMount)
	}
	secretValues := map[string]string{}
	for name, key := range secretKeys {
		secretValues[key] = "secret-" + name
	}
	// Baton checks the shape of these two.
	secretValues[secretKeys["SLACK_BOT_TOKEN"]] = "xoxb-secret"
	secretValues[secretKeys["SLACK_APP_TOKEN"]] = "xapp-secret"
	cfg := loadConfig(t, c.Env, secretValues)
	for v, file := range map[string]string{"TEMPORAL_TLS_CERT": cfg.TemporalTLSCert, "TEMPORAL_TLS_KEY": cfg.TemporalTLSKey} {
		if path.Dir(file) != tlsMount.MountPath {
			t.Errorf("%s = %q, not in the client Secret's mount %s", v, file, tlsMount.MountPath)
		}
	}
	if path.Base(cfg.TemporalTLSCert) != "tls.crt" || path.Base(cfg.TemporalTLSKey) != "tls.key" {
		t.Errorf("TLS files %s, %s, want the Secret's tls.crt and tls.key", cfg.TemporalTLSCert, cfg.TemporalTLSKey)
	}
	if cfg.SlackBotToken != "xoxb-secret" || cfg.SlackAppToken != "xapp-secret" || cfg.TwilioAuthToken != "secret-TWILIO_AUTH_TOKEN" || cfg.TemporalAPIKey != "secret-TEMPORAL_API_KEY" {
		t.Errorf("credentials did not reach the config: %+v", cfg)
	}
	if cfg.LogFormat != "text" || cfg.LogLevel != "debug" {
		t.Errorf("log format %q level %q, want text and debug", cfg.LogFormat, cfg.LogLevel)
	}
	if cfg.PublicURL != "https://baton.example.com" || cfg.OpsgenieAPIURL != "api.eu.opsgenie.com" || cfg.JiraUser != "baton@example.com" {
		t.Errorf("plain settings did not reach the config: %+v", cfg)
	}
	// A team's own webhook token comes from the Secret like the others, and
	// the worker finds it where the team file says.
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	if ref := env["WEB_WEBHOOK_TOKEN"].ValueFrom; ref == nil || ref.SecretKeyRef == nil || ref.SecretKeyRef.Name != "baton-credentials" || ref.SecretKeyRef.Key != "web-webhook-token" {
		t.Errorf("WEB_WEBHOOK_TOKEN is not read from baton-credentials' web-webhook-token: %+v", env["WEB_WEBHOOK_TOKEN"])
	}
	tokens, err := cfg.TeamWebhookTokens(w.teams, func(name string) (string, bool) {
		e, ok := env[name]
		if !ok || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
			return "", false
		}
		return "secret-" + e.ValueFrom.SecretKeyRef.Key, true
	})
	if err != nil || tokens["web"] != "secret-web-webhook-token" {
		t.Errorf("team tokens %v, %v: want web's from its Secret key", tokens, err)
	}
	if cfg.MetricsAddr != "0.0.0.0:9090" {
		t.Errorf("BATON_METRICS_ADDR %q, want 0.0.0.0:9090 with metrics.enabled", cfg.MetricsAddr)
	}

	// The scheduling, resources and extras values-full turns on.
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 2 {
		t.Errorf("replicas %v, want 2", d.Spec.Replicas)
	}
	if c.Image != "registry.example.com/baton/worker:1.2.3" {
		t.Errorf("image %q", c.Image)
	}
	if got := c.Resources.Limits.Memory().String(); got != "512Mi" {
		t.Errorf("memory limit %s, want 512Mi", got)
	}
	if got := c.Resources.Requests.Cpu().String(); got != "100m" {
		t.Errorf("cpu request %s, want 100m", got)
	}
	pod := d.Spec.Template.Spec
	if pod.NodeSelector["kubernetes.io/os"] != "linux" {
		t.Errorf("nodeSelector %v", pod.NodeSelector)
	}
	if len(pod.Tolerations) != 1 || pod.Tolerations[0].Key != "dedicated" || pod.Tolerations[0].Effect != corev1.TaintEffectNoSchedule {
		t.Errorf("tolerations %+v", pod.Tolerations)
	}
	if pod.Affinity == nil || pod.Affinity.PodAntiAffinity == nil {
		t.Errorf("affinity %+v", pod.Affinity)
	}
	if pod.PriorityClassName != "high-priority" || len(pod.ImagePullSecrets) != 1 || pod.ImagePullSecrets[0].Name != "regcred" {
		t.Errorf("priorityClassName %q, imagePullSecrets %+v", pod.PriorityClassName, pod.ImagePullSecrets)
	}
	if len(c.EnvFrom) != 1 || c.EnvFrom[0].ConfigMapRef == nil || c.EnvFrom[0].ConfigMapRef.Name != "baton-extra" {
		t.Errorf("envFrom %+v", c.EnvFrom)
	}
	if ca, ok := mounts["ca"]; !ok || ca.MountPath != "/etc/ssl/company" {
		t.Errorf("extra volume mount: %+v", c.VolumeMounts)
	}
	if got := w.teams.Names(); !slices.Equal(got, []string{"data", "web"}) {
		t.Errorf("full team file has teams %v, want [data web]", got)
	}

	// The ServiceMonitor scrapes the metrics Service's metrics port, and
	// selects no other Service.
	if len(m.serviceMonitors) != 1 {
		t.Fatalf("full values render %d ServiceMonitors, want 1", len(m.serviceMonitors))
	}
	sm := m.serviceMonitors[0]
	if got := str(sm, "metadata", "namespace"); got != namespace {
		t.Errorf("ServiceMonitor namespace %q", got)
	}
	if got := str(sm, "metadata", "labels", "release"); got != "prometheus" {
		t.Errorf("ServiceMonitor lacks the label Prometheus selects (release: prometheus): %q", got)
	}
	endpoints, _ := dig(sm, "spec", "endpoints").([]any)
	if len(endpoints) != 1 {
		t.Fatalf("ServiceMonitor endpoints: %v", dig(sm, "spec", "endpoints"))
	}
	ep, _ := endpoints[0].(map[string]any)
	if ep["port"] != "metrics" || ep["path"] != "/metrics" || ep["interval"] != "15s" {
		t.Errorf("ServiceMonitor endpoint %v, want port metrics, path /metrics, interval 15s", ep)
	}
	selector, _ := dig(sm, "spec", "selector", "matchLabels").(map[string]any)
	if len(selector) == 0 {
		t.Error("ServiceMonitor selects no labels")
	}
	selects := func(svc *corev1.Service) bool {
		for k, v := range selector {
			if svc.Labels[k] != v {
				return false
			}
		}
		return true
	}
	if w.metricsService == nil || !selects(w.metricsService) {
		t.Errorf("ServiceMonitor selects %v, not the metrics Service", selector)
	}
	if selects(&w.service) {
		t.Errorf("ServiceMonitor selects %v, which the public Service matches too", selector)
	}
}

// With metrics.enabled alone, /metrics and the probes move to their own
// port: the public Service carries only http, the metrics Service only
// metrics, and Baton accepts the address.
func TestChartMetricsPort(t *testing.T) {
	helm := helmPath(t)
	m := render(t, helm, "--set", "metrics.enabled=true", "--set", "metrics.port=9191")
	w := checkCommon(t, m, nil)
	cfg := loadConfig(t, w.container.Env, nil)
	if cfg.MetricsAddr != "0.0.0.0:9191" || cfg.HTTPAddr != "0.0.0.0:8080" {
		t.Errorf("BATON_METRICS_ADDR %q, BATON_HTTP_ADDR %q", cfg.MetricsAddr, cfg.HTTPAddr)
	}
	if w.metricsService == nil {
		t.Fatal("no metrics Service")
	}
	if w.metricsService.Spec.Type != corev1.ServiceTypeClusterIP {
		t.Errorf("the metrics Service is %s, want ClusterIP", w.metricsService.Spec.Type)
	}
	if len(m.serviceMonitors) != 0 {
		t.Errorf("%d ServiceMonitors without serviceMonitor.enabled", len(m.serviceMonitors))
	}
}

func TestChartTeamFileRollsPods(t *testing.T) {
	helm := helmPath(t)
	def := checkCommon(t, render(t, helm), nil)
	dev := checkCommon(t, render(t, helm, "--set-file", "teams=../dev/teams.yaml"), nil)
	a := def.deployment.Spec.Template.Annotations["checksum/teams"]
	b := dev.deployment.Spec.Template.Annotations["checksum/teams"]
	if a == b {
		t.Errorf("another team file leaves the pods' checksum/teams at %s: pods would not roll", a)
	}
	if got := dev.teams.Names(); !slices.Equal(got, []string{"data"}) {
		t.Errorf("deploy/dev/teams.yaml through the chart has teams %v", got)
	}
}

// worker is the checked parts of one rendering.
type worker struct {
	deployment appsv1.Deployment
	container  corev1.Container
	// service is the public Service; metricsService the one of /metrics,
	// nil without metrics.enabled.
	service        corev1.Service
	metricsService *corev1.Service
	teams          *team.File
}

// checkCommon checks what holds for any values and returns the worker's
// parts. extraEnv names variables the values add beside Baton's own.
func checkCommon(t *testing.T, m manifests, extraEnv []string) worker {
	t.Helper()
	if len(m.deployments) != 1 || len(m.configMaps) != 1 {
		t.Fatalf("rendered %d Deployments, %d ConfigMaps; want one each", len(m.deployments), len(m.configMaps))
	}
	d, cm := m.deployments[0], m.configMaps[0]
	// The public Service, named as the Deployment, and the metrics one
	// beside it when /metrics has a port of its own.
	var svc corev1.Service
	var metricsSvc *corev1.Service
	for i, s := range m.services {
		switch s.Name {
		case d.Name:
			svc = s
		case d.Name + "-metrics":
			metricsSvc = &m.services[i]
		default:
			t.Errorf("a Service %q the chart should not render", s.Name)
		}
	}
	if svc.Name == "" {
		t.Fatalf("no Service %q among %d", d.Name, len(m.services))
	}
	for _, meta := range []struct{ kind, ns string }{{"Deployment", d.Namespace}, {"Service", svc.Namespace}, {"ConfigMap", cm.Namespace}} {
		if meta.ns != namespace {
			t.Errorf("%s in namespace %q, want the release's %q", meta.kind, meta.ns, namespace)
		}
	}
	pod := d.Spec.Template

	// Selectors reach the pods.
	if d.Spec.Selector == nil || len(d.Spec.Selector.MatchLabels) == 0 {
		t.Fatal("Deployment has no selector")
	}
	for k, v := range d.Spec.Selector.MatchLabels {
		if pod.Labels[k] != v {
			t.Errorf("Deployment selects %s=%s, the pods have %q", k, v, pod.Labels[k])
		}
	}
	if len(svc.Spec.Selector) == 0 {
		t.Error("Service selects nothing")
	}
	for k, v := range svc.Spec.Selector {
		if pod.Labels[k] != v {
			t.Errorf("Service selects %s=%s, the pods have %q", k, v, pod.Labels[k])
		}
	}
	for _, k := range []string{"app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version", "app.kubernetes.io/managed-by", "helm.sh/chart"} {
		if d.Labels[k] == "" || svc.Labels[k] == "" || cm.Labels[k] == "" {
			t.Errorf("standard label %s missing", k)
		}
	}

	if len(pod.Spec.Containers) != 1 {
		t.Fatalf("%d containers, want the worker alone", len(pod.Spec.Containers))
	}
	c := pod.Spec.Containers[0]

	// The gateway listens on the port the Service uses, and the probes on
	// the metrics port when there is one.
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	if ports["http"] != 8080 {
		t.Errorf("container port http = %d, want 8080", ports["http"])
	}
	env := map[string]corev1.EnvVar{}
	known := configVars(t)
	for _, e := range c.Env {
		if _, dup := env[e.Name]; dup {
			t.Errorf("%s is set twice", e.Name)
		}
		env[e.Name] = e
		if !known[e.Name] && !slices.Contains(extraEnv, e.Name) {
			t.Errorf("%s is not a variable Baton reads (config.Config)", e.Name)
		}
	}
	host, p, err := net.SplitHostPort(env["BATON_HTTP_ADDR"].Value)
	if err != nil || host != "0.0.0.0" || p != "8080" {
		t.Errorf("BATON_HTTP_ADDR = %q, want 0.0.0.0:8080 (the binary's default listens on loopback only)", env["BATON_HTTP_ADDR"].Value)
	}
	probePort := "http"
	if metricsAddr, ok := env["BATON_METRICS_ADDR"]; ok {
		probePort = "metrics"
		host, p, err := net.SplitHostPort(metricsAddr.Value)
		if err != nil || host != "0.0.0.0" || p != strconv.Itoa(int(ports["metrics"])) {
			t.Errorf("BATON_METRICS_ADDR = %q, want 0.0.0.0 on the container port metrics (%d)", metricsAddr.Value, ports["metrics"])
		}
		if metricsSvc == nil || len(metricsSvc.Spec.Ports) != 1 || metricsSvc.Spec.Ports[0].Name != "metrics" || metricsSvc.Spec.Ports[0].TargetPort.String() != "metrics" {
			t.Errorf("metrics Service %+v, want one with the port metrics alone", metricsSvc)
		} else {
			for k, v := range metricsSvc.Spec.Selector {
				if pod.Labels[k] != v {
					t.Errorf("the metrics Service selects %s=%s, the pods have %q", k, v, pod.Labels[k])
				}
			}
		}
	} else if metricsSvc != nil || ports["metrics"] != 0 {
		t.Error("a metrics Service or port without BATON_METRICS_ADDR")
	}
	for _, pr := range []struct {
		name  string
		probe *corev1.Probe
		path  string
	}{{"liveness", c.LivenessProbe, "/livez"}, {"readiness", c.ReadinessProbe, "/readyz"}} {
		if pr.probe == nil || pr.probe.HTTPGet == nil {
			t.Errorf("no HTTP %s probe", pr.name)
			continue
		}
		if pr.probe.HTTPGet.Path != pr.path || pr.probe.HTTPGet.Port.String() != probePort {
			t.Errorf("%s probe GET %s on port %s, want %s on %s", pr.name, pr.probe.HTTPGet.Path, pr.probe.HTTPGet.Port.String(), pr.path, probePort)
		}
	}
	// The public Service carries the public port alone.
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Name != "http" || svc.Spec.Ports[0].Port != 8080 || svc.Spec.Ports[0].TargetPort.String() != "http" {
		t.Errorf("Service ports %+v, want http 8080 to the container's http alone", svc.Spec.Ports)
	}

	// Non-root, read-only, no capabilities, the runtime's seccomp profile.
	psc, sc := pod.Spec.SecurityContext, c.SecurityContext
	if psc == nil || sc == nil {
		t.Fatal("pod or container securityContext missing")
	}
	if psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
		t.Errorf("pod does not run as non-root: %+v", psc)
	}
	if psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod seccompProfile %+v, want RuntimeDefault", psc.SeccompProfile)
	}
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Error("container root file system is writable")
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Error("container allows privilege escalation")
	}
	if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) != 0 {
		t.Errorf("container capabilities %+v, want all dropped", sc.Capabilities)
	}
	if pod.Spec.AutomountServiceAccountToken == nil || *pod.Spec.AutomountServiceAccountToken {
		t.Error("the pod mounts a Kubernetes API token it never uses")
	}
	if len(m.serviceAccounts) == 1 && m.serviceAccounts[0].Name != pod.Spec.ServiceAccountName {
		t.Errorf("pods run as %q, the chart creates ServiceAccount %q", pod.Spec.ServiceAccountName, m.serviceAccounts[0].Name)
	}

	// The team file: BATON_TEAMS_FILE is the ConfigMap's teams.yaml, which
	// Baton's loader accepts, and the pods carry its checksum.
	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Spec.Volumes {
		volumes[v.Name] = v
	}
	teamsFile := env["BATON_TEAMS_FILE"].Value
	var teamsKey string
	tmpWritable := false
	for _, vm := range c.VolumeMounts {
		v := volumes[vm.Name]
		if vm.MountPath == teamsFile && v.ConfigMap != nil && v.ConfigMap.Name == cm.Name {
			teamsKey = vm.SubPath
		}
		if vm.MountPath == "/tmp" && v.EmptyDir != nil && !vm.ReadOnly {
			tmpWritable = true
		}
	}
	if teamsFile != "/etc/baton/teams.yaml" || teamsKey == "" {
		t.Fatalf("BATON_TEAMS_FILE = %q is not a key of ConfigMap %s mounted there: %+v", teamsFile, cm.Name, c.VolumeMounts)
	}
	if !tmpWritable {
		t.Error("no writable emptyDir on /tmp, where the console chat writes files under a read-only root")
	}
	data, ok := cm.Data[teamsKey]
	if !ok {
		t.Fatalf("ConfigMap %s has no key %q: %v", cm.Name, teamsKey, cm.Data)
	}
	teams, err := team.Parse([]byte(data))
	if err != nil {
		t.Fatalf("the chart's team file does not load: %v\n%s", err, data)
	}
	sum := sha256.Sum256([]byte(data))
	if got := pod.Annotations["checksum/teams"]; got != hex.EncodeToString(sum[:]) {
		t.Errorf("checksum/teams = %q, want the team file's sha256 %x", got, sum)
	}
	// Each team's own webhook token variable is set.
	for _, tm := range teams.Teams {
		if name := tm.Incidents.WebhookTokenEnv; name != "" {
			if _, ok := env[name]; !ok {
				t.Errorf("team %q reads its webhook token from %s, which the chart does not set", tm.Name, name)
			}
		}
	}
	return worker{deployment: d, container: c, service: svc, metricsService: metricsSvc, teams: teams}
}

// configVars are the environment variables Baton reads, from config.Config.
func configVars(t *testing.T) map[string]bool {
	t.Helper()
	vars := map[string]bool{}
	typ := reflect.TypeFor[config.Config]()
	for i := 0; i < typ.NumField(); i++ {
		if name := typ.Field(i).Tag.Get("envconfig"); name != "" {
			vars[name] = true
		}
	}
	if !vars["TEMPORAL_ADDRESS"] || !vars["BATON_TEAMS_FILE"] {
		t.Fatalf("config.Config's tags are not what this test expects: %v", vars)
	}
	return vars
}

// loadConfig runs Baton's config loader on the container's environment:
// Baton's variables are cleared first, plain values are set as they are,
// and Secret references take secrets[key].
func loadConfig(t *testing.T, env []corev1.EnvVar, secrets map[string]string) config.Config {
	t.Helper()
	for name := range configVars(t) {
		t.Setenv(name, "")
	}
	for _, e := range env {
		switch {
		case e.ValueFrom == nil:
			t.Setenv(e.Name, e.Value)
		case e.ValueFrom.SecretKeyRef != nil:
			t.Setenv(e.Name, secrets[e.ValueFrom.SecretKeyRef.Key])
		}
	}
	cfg, err := config.Load()
	if err != nil {
		t.Fatalf("Baton refuses the chart's environment: %v", err)
	}
	return cfg
}

// dig walks nested maps of an unstructured document.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func str(v any, keys ...string) string {
	s, _ := dig(v, keys...).(string)
	return s
}
