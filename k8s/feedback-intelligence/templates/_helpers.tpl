{{/* Names and labels shared by every resource. */}}
{{- define "fi.fullname" -}}
{{- printf "%s" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "fi.componentName" -}}
{{- printf "%s-%s" (include "fi.fullname" .root) .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "fi.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "fi.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{- define "fi.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "fi.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "fi.image" -}}
{{- printf "%s/%s:%s" .root.Values.image.repository .name (default .root.Chart.AppVersion .root.Values.image.tag) -}}
{{- end -}}

{{/* Environment of one component: shared settings, its own, and secrets by reference. */}}
{{- define "fi.env" -}}
{{- $values := .root.Values -}}
- name: APP_ENV
  value: production
- name: HTTP_PORT
  value: {{ .component.port | quote }}
- name: KAFKA_BOOTSTRAP_SERVERS
  value: {{ $values.kafka.bootstrapServers | quote }}
- name: AWS_REGION
  value: {{ $values.aws.region | quote }}
- name: SECRETS_MANAGER_SECRET_ID
  value: {{ $values.aws.secretsManagerSecretId | quote }}
{{- with $values.aws.endpointUrl }}
- name: AWS_ENDPOINT_URL
  value: {{ . | quote }}
{{- end }}
{{- with $values.opentelemetry.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- $root := .root -}}
{{- range $name, $value := merge (deepCopy .component.env) $values.config }}
- name: {{ $name }}
  value: {{ tpl (toString $value) $root | quote }}
{{- end }}
{{- $secret := $values.existingSecret }}
{{- range .component.secretEnv }}
- name: {{ . }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ . }}
      {{- if eq . "OPENAI_API_KEY" }}
      optional: true  # without it the analyzer runs its offline flow
      {{- end }}
{{- end }}
{{- end -}}
