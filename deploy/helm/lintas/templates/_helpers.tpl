{{/* The image of every container: image.repository, tagged image.tag or the chart's appVersion. */}}
{{- define "lintas.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/* The control plane's admin URL inside the cluster (its Service in the release's namespace). */}}
{{- define "lintas.controlPlaneURL" -}}
http://lintas-control-plane.{{ .Release.Namespace }}.svc:7070
{{- end }}
