{{/* The release's name for its objects, at most 63 characters; fullnameOverride or nameOverride replace it. */}}
{{- define "rtkv.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "rtkv.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "rtkv.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "rtkv.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "rtkv.labels" -}}
app.kubernetes.io/name: {{ include "rtkv.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selects one component's pods: call with (dict "root" $ "component" "api-service"). */}}
{{- define "rtkv.selector" -}}
app.kubernetes.io/name: {{ include "rtkv.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "rtkv.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "rtkv.secretName" -}}
{{- default (printf "%s-secrets" (include "rtkv.fullname" .)) .Values.secrets.existingSecret -}}
{{- end -}}

{{/* The shards' JDBC URLs in shard order, comma-separated. */}}
{{- define "rtkv.shardUrls" -}}
{{- $root := . -}}
{{- $urls := list -}}
{{- range .Values.shards -}}
{{- $url := printf "jdbc:mariadb://%s:%v/%s" .host (default 3306 .port) $root.Values.database -}}
{{- if $root.Values.jdbcParameters -}}{{- $url = printf "%s?%s" $url $root.Values.jdbcParameters -}}{{- end -}}
{{- $urls = append $urls $url -}}
{{- end -}}
{{- join "," $urls -}}
{{- end -}}

{{- define "rtkv.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "rtkv.secretName" .root }}
      key: {{ .key }}
{{- end -}}

{{/* A component's extra RTKV_* settings from values, sorted by name. */}}
{{- define "rtkv.extraEnv" -}}
{{- range $name, $value := . }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end -}}
{{- end -}}

{{/*
What every pod of the chart shares: call with (dict "root" $ "values" .Values.api "selector" $selector),
and "serviceAccount" for a hook's pod that runs before the chart's own account exists.
*/}}
{{- define "rtkv.podSpecCommon" -}}
{{- with .root.Values.image.pullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
serviceAccountName: {{ .serviceAccount | default (include "rtkv.serviceAccountName" .root) }}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .root.Values.podSecurityContext | nindent 2 }}
{{- if and .selector .root.Values.topologySpread.enabled }}
topologySpreadConstraints:
  {{- range .root.Values.topologySpread.topologyKeys }}
  - maxSkew: {{ $.root.Values.topologySpread.maxSkew }}
    topologyKey: {{ . }}
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- $.selector | nindent 8 }}
  {{- end }}
{{- end }}
{{- with .values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* A startupProbe on path: liveness waits until the JVM has answered once, up to startupSeconds. */}}
{{- define "rtkv.startupProbe" -}}
startupProbe:
  httpGet: {path: {{ .path }}, port: http}
  periodSeconds: 2
  timeoutSeconds: 2
  failureThreshold: {{ div .root.Values.startupSeconds 2 }}
{{- end -}}

{{/* The most fanout nodes the values allow: the HPA's maximum, or the fixed count. */}}
{{- define "rtkv.fanoutMost" -}}
{{- ternary .Values.fanout.autoscaling.maxReplicas .Values.fanout.replicas .Values.fanout.autoscaling.enabled -}}
{{- end -}}

{{/* Checks what the chart cannot run without, all at once. */}}
{{- define "rtkv.validate" -}}
{{- $problems := list -}}
{{- if not .Values.shards -}}{{- $problems = append $problems "shards: name at least one MySQL shard" -}}{{- end -}}
{{- range $i, $s := .Values.shards -}}
{{- if not $s.host -}}{{- $problems = append $problems (printf "shards[%d].host is required" $i) -}}{{- end -}}
{{- end -}}
{{- $fanoutMost := include "rtkv.fanoutMost" . -}}
{{- if and .Values.fanout.publicPods.domain (not .Values.ingress.enabled) -}}{{- $problems = append $problems "fanout.publicPods.domain needs ingress.enabled: the public names are Ingress hosts" -}}{{- end -}}
{{- if ge (int $fanoutMost) (int .Values.kafka.partitions) -}}{{- $problems = append $problems (printf "fanout nodes: at most %v, fewer than kafka.partitions (%v), or a node has no partition and a rollout stalls" $fanoutMost .Values.kafka.partitions) -}}{{- end -}}
{{- if and .Values.schemaJob.enabled (not .Values.secrets.existingSecret) -}}{{- $problems = append $problems "schemaJob needs secrets.existingSecret: the Job runs before the chart makes its own Secret" -}}{{- end -}}
{{- if not .Values.kafka.bootstrapServers -}}{{- $problems = append $problems "kafka.bootstrapServers is required" -}}{{- end -}}
{{- if not .Values.secrets.existingSecret -}}
{{- if lt (len (toString .Values.secrets.adminKey)) 32 -}}{{- $problems = append $problems "secrets.adminKey: at least 32 characters (or set secrets.existingSecret)" -}}{{- end -}}
{{- range $k := list "appPassword" "readerPassword" "cdcPassword" -}}
{{- if not (index $.Values.secrets $k) -}}{{- $problems = append $problems (printf "secrets.%s is required (or set secrets.existingSecret)" $k) -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- if $problems -}}
{{- fail (printf "\nrtkv's values are not complete:\n  - %s" (join "\n  - " $problems)) -}}
{{- end -}}
{{- end -}}
