{{- define "keeper.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- with .Values.secretsKey.value -}}
{{- if not (or (regexMatch "^[0-9a-fA-F]{64}$" .) (regexMatch "^[A-Za-z0-9+/]{43}=$" .)) -}}
{{- fail "secretsKey.value must be 64 hex digits or the base64 of 32 bytes (openssl rand -hex 32)" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "keeper.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "keeper.selector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The Secret this chart makes, when any value is given inline. */}}
{{- define "keeper.secretName" -}}{{ include "keeper.fullname" . }}{{- end -}}

{{/* secretRef: name and key of a secret value, from existingSecret or the chart's Secret. */}}
{{- define "keeper.secretRef" -}}
secretKeyRef:
  name: {{ .existing | default .own }}
  key: {{ .key }}
{{- end -}}

{{/* The checks that stop a broken install before anything is created. */}}
{{- define "keeper.validate" -}}
{{- if and (not .Values.database.url) (not .Values.database.existingSecret) -}}
{{- fail "database.url or database.existingSecret is required: replicas share one PostgreSQL database" -}}
{{- end -}}
{{- if not .Values.s3.bucket -}}
{{- fail "s3.bucket is required: replicas share one S3 bucket" -}}
{{- end -}}
{{- if and (not .Values.secretsKey.value) (not .Values.secretsKey.existingSecret) -}}
{{- fail "secretsKey.value or secretsKey.existingSecret is required: every replica must seal secrets with the same key (openssl rand -hex 32)" -}}
{{- end -}}
{{- with .Values.secretsKey.value -}}
{{- if not (or (regexMatch "^[0-9a-fA-F]{64}$" .) (regexMatch "^[A-Za-z0-9+/]{43}=$" .)) -}}
{{- fail "secretsKey.value must be 64 hex digits or the base64 of 32 bytes (openssl rand -hex 32)" -}}
{{- end -}}
{{- end -}}
{{- end -}}
