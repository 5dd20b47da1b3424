module github.com/${{ values.destination.owner }}/${{ values.destination.repo }}

go 1.23

require (
	github.com/encore/encore-kafka-go/v2 v2.7.1
	github.com/prometheus/client_golang v1.20.5
	go.opentelemetry.io/otel v1.32.0
)
