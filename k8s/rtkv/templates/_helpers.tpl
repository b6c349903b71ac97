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

{{/*
The settings of a component's links: TLS to the shards, and with "kafka" true Kafka's security; call
with (dict "root" $ "kafka" true). The files they name are mounted by rtkv.linkVolumeMounts.
*/}}
{{- define "rtkv.linkEnv" -}}
{{- $db := .root.Values.databaseTls -}}
{{- if ne $db.mode "disable" }}
- name: RTKV_DB_TLS_MODE
  value: {{ $db.mode | quote }}
{{- end }}
{{- if $db.caSecret }}
- name: RTKV_DB_TLS_CA_FILE
  value: {{ printf "/etc/rtkv/db-ca/%s" $db.caKey | quote }}
{{- end }}
{{- if .kafka }}
{{- $k := .root.Values.kafka.security }}
- name: RTKV_KAFKA_SECURITY_PROTOCOL
  value: {{ $k.protocol | quote }}
{{- if hasPrefix "SASL_" $k.protocol }}
- name: RTKV_KAFKA_SASL_MECHANISM
  value: {{ $k.sasl.mechanism | quote }}
- name: RTKV_KAFKA_SASL_USERNAME
  value: {{ $k.sasl.username | quote }}
- name: RTKV_KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $k.sasl.passwordSecret | default (include "rtkv.secretName" .root) }}
      key: {{ $k.sasl.passwordKey }}
{{- end }}
{{- if $k.tls.caSecret }}
- name: RTKV_KAFKA_TLS_CA_FILE
  value: {{ printf "/etc/rtkv/kafka-ca/%s" $k.tls.caKey | quote }}
{{- end }}
{{- if $k.tls.clientSecret }}
- name: RTKV_KAFKA_TLS_CERT_FILE
  value: {{ printf "/etc/rtkv/kafka-client/%s" $k.tls.certKey | quote }}
- name: RTKV_KAFKA_TLS_KEY_FILE
  value: {{ printf "/etc/rtkv/kafka-client/%s" $k.tls.keyKey | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The Secrets whose files rtkv.linkEnv names, as (name, secret) pairs; call as rtkv.linkEnv. */}}
{{- define "rtkv.linkSecrets" -}}
{{- $secrets := dict -}}
{{- with .root.Values.databaseTls.caSecret }}{{- $_ := set $secrets "db-ca" . -}}{{- end }}
{{- if .kafka }}
{{- with .root.Values.kafka.security.tls.caSecret }}{{- $_ := set $secrets "kafka-ca" . -}}{{- end }}
{{- with .root.Values.kafka.security.tls.clientSecret }}{{- $_ := set $secrets "kafka-client" . -}}{{- end }}
{{- end }}
{{- toJson $secrets -}}
{{- end -}}

{{- define "rtkv.linkVolumeMounts" -}}
{{- range $name, $secret := include "rtkv.linkSecrets" . | fromJson }}
- {name: {{ $name }}, mountPath: /etc/rtkv/{{ $name }}, readOnly: true}
{{- end }}
{{- end -}}

{{- define "rtkv.linkVolumes" -}}
{{- range $name, $secret := include "rtkv.linkSecrets" . | fromJson }}
- name: {{ $name }}
  secret:
    secretName: {{ $secret }}
    defaultMode: 0440
{{- end }}
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
{{- $k := .Values.kafka.security -}}
{{- if and (hasPrefix "SASL_" $k.protocol) (not $k.sasl.username) -}}{{- $problems = append $problems (printf "kafka.security.sasl.username is required with protocol %s" $k.protocol) -}}{{- end -}}
{{- if and (not (hasPrefix "SASL_" $k.protocol)) (or $k.sasl.username $k.sasl.passwordSecret .Values.secrets.kafkaPassword) -}}{{- $problems = append $problems (printf "kafka.security.sasl (or secrets.kafkaPassword) is set, but protocol %s uses no SASL: use SASL_SSL" $k.protocol) -}}{{- end -}}
{{- if and (not (hasSuffix "SSL" $k.protocol)) (or $k.tls.caSecret $k.tls.clientSecret) -}}{{- $problems = append $problems (printf "kafka.security.tls is set, but protocol %s uses no TLS: use SSL or SASL_SSL" $k.protocol) -}}{{- end -}}
{{- if and (hasPrefix "SASL_" $k.protocol) (not $k.sasl.passwordSecret) (not .Values.secrets.existingSecret) (not .Values.secrets.kafkaPassword) -}}{{- $problems = append $problems "secrets.kafkaPassword is required with a SASL protocol (or set kafka.security.sasl.passwordSecret)" -}}{{- end -}}
{{- if and (ne .Values.databaseTls.mode "disable") (regexMatch "(?i)(sslMode|serverSslCert)=" .Values.jdbcParameters) -}}{{- $problems = append $problems "jdbcParameters sets sslMode or serverSslCert, and databaseTls.mode too: set TLS in databaseTls alone" -}}{{- end -}}
{{- if and .Values.databaseTls.caSecret (not (hasPrefix "verify-" .Values.databaseTls.mode)) -}}{{- $problems = append $problems (printf "databaseTls.caSecret is set, but mode %s checks no certificate: use verify-ca or verify-full" .Values.databaseTls.mode) -}}{{- end -}}
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
