// Command ${{ values.name }} consumes ${{ values.topic }}.
package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/encore/encore-kafka-go/v2/consumer"
	"github.com/encore/encore-kafka-go/v2/serde"

	"github.com/${{ values.destination.owner }}/${{ values.destination.repo }}/internal/handler"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	c, err := consumer.New(consumer.Config{
		Brokers:       consumer.BrokersFromEnv(),
		Topic:         "${{ values.topic }}",
		Group:         "${{ values.consumerGroup }}",
		Workers:       ${{ values.concurrency }},
		StartOffset:   consumer.Offset${{ values.startFrom | capitalize }},
		Deserializer:  serde.SchemaRegistryJSON(os.Getenv("SCHEMA_REGISTRY_URL"), os.Getenv("SCHEMA_REGISTRY_PASSWORD")),
{%- if values.deadLetter %}
		Retry:         consumer.Retry{Max: ${{ values.maxRetries }}, Backoff: consumer.Backoff${{ values.retryBackoff | capitalize }}, Base: 200 * time.Millisecond},
		DeadLetter:    "${{ values.topic }}.${{ values.consumerGroup }}.dlq",
{%- endif %}
		HealthAddr:    ":8081", // /healthz and /metrics
		DrainTimeout:  30 * time.Second,
		Logger:        log,
	})
	if err != nil {
		log.Error("cannot create consumer", "err", err)
		os.Exit(1)
	}

	if err := c.Run(ctx, handler.New(log)); err != nil && ctx.Err() == nil {
		log.Error("consumer stopped", "err", err)
		os.Exit(1)
	}
}
