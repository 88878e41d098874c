{{/* The chart name, or nameOverride. */}}
{{- define "baton.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The full name of the release's resources: fullnameOverride, or the release
name with the chart name (once, if the release name already holds it).
*/}}
{{- define "baton.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Chart name and version, for the helm.sh/chart label. */}}
{{- define "baton.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The labels that select the worker's pods. */}}
{{- define "baton.selectorLabels" -}}
app.kubernetes.io/name: {{ include "baton.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: worker
{{- end }}

{{/* Standard labels on every resource. */}}
{{- define "baton.labels" -}}
{{ include "baton.commonLabels" . }}
{{ include "baton.selectorLabels" . }}
{{- end }}

{{/* The standard labels besides the ones that select the pods. */}}
{{- define "baton.commonLabels" -}}
helm.sh/chart: {{ include "baton.chart" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: baton
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
The labels that tell the metrics Service (metrics.enabled) from the public
one, so that the ServiceMonitor selects it alone.
*/}}
{{- define "baton.metricsSelectorLabels" -}}
app.kubernetes.io/name: {{ include "baton.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: metrics
{{- end }}

{{/*
A probe from values: on the metrics port when metrics.enabled and the probe
asks for the http port, since the probes then live beside /metrics.
*/}}
{{- define "baton.probe" -}}
{{- $probe := deepCopy .probe }}
{{- if and .root.Values.metrics.enabled $probe.httpGet }}
{{- if eq (toString $probe.httpGet.port) "http" }}
{{- $_ := set $probe.httpGet "port" "metrics" }}
{{- end }}
{{- end }}
{{- toYaml $probe }}
{{- end }}

{{/* The ServiceAccount the pods run as. */}}
{{- define "baton.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "baton.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The worker image, repository:tag. */}}
{{- define "baton.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/* Where the team file is mounted; BATON_TEAMS_FILE points here. */}}
{{- define "baton.teamsFile" -}}
/etc/baton/teams.yaml
{{- end }}
