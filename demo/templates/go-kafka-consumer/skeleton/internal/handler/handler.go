// Package handler processes messages described by ${{ values.api }}.
package handler

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/encore/encore-kafka-go/v2/consumer"
)

// Handler is called once per message. Return an error to retry{% if values.deadLetter %} (and
// dead-letter after ${{ values.maxRetries }} attempts){% endif %}; return nil to commit.
type Handler struct {
	log *slog.Logger
}

func New(log *slog.Logger) *Handler {
	return &Handler{log: log}
}

// Envelope holds the headers every Encore event carries.
type Envelope struct {
	EventID   string `json:"eventId"`
	EventType string `json:"eventType"`
}

func (h *Handler) Handle(ctx context.Context, msg consumer.Message) error {
	var env Envelope
	if err := msg.DecodeHeaders(&env); err != nil {
		return consumer.Permanent(fmt.Errorf("bad headers: %w", err))
	}
	h.log.InfoContext(ctx, "received", "type", env.EventType, "id", env.EventID, "partition", msg.Partition, "offset", msg.Offset)
	// TODO: switch on env.EventType and do the work. Handlers must be idempotent:
	// delivery is at-least-once.
	return nil
}
