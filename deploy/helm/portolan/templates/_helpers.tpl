{{- define "portolan.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "portolan.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "portolan.labels" -}}
{{ include "portolan.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "portolan.serviceAccountName" -}}
{{- default (include "portolan.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{/* The reader rules, from the one file that defines them (deploy/kubernetes/portolan-reader.yaml). */}}
{{- define "portolan.readerRules" -}}
{{- $role := index (splitList "\n---\n" (.Files.Get "files/portolan-reader.yaml")) 0 | fromYaml -}}
{{- if not $role.rules -}}
{{- fail "files/portolan-reader.yaml has no rules: is the link to deploy/kubernetes/portolan-reader.yaml broken?" -}}
{{- end -}}
{{- toYaml $role.rules -}}
{{- end -}}

{{/* The namespaced reader rules (a Role per namespace), from deploy/kubernetes/portolan-reader-namespaced.yaml. */}}
{{- define "portolan.namespacedReaderRules" -}}
{{- $role := index (splitList "\n---\n" (.Files.Get "files/portolan-reader-namespaced.yaml")) 0 | fromYaml -}}
{{- if not $role.rules -}}
{{- fail "files/portolan-reader-namespaced.yaml has no rules: is the link to deploy/kubernetes/portolan-reader-namespaced.yaml broken?" -}}
{{- end -}}
{{- toYaml $role.rules -}}
{{- end -}}
