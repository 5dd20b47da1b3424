package handler

import (
	"context"
	"log/slog"
	"testing"

	"github.com/encore/encore-kafka-go/v2/consumer/consumertest"
)

func TestHandleAcceptsKnownEvent(t *testing.T) {
	h := New(slog.Default())
	msg := consumertest.Message(t, "${{ values.topic }}", map[string]string{
		"eventId":   "3f0c2a4e-8b1d-4a7e-9d35-0b1f4c6e2a90",
		"eventType": "Example",
	}, `{}`)
	if err := h.Handle(context.Background(), msg); err != nil {
		t.Fatalf("Handle: %v", err)
	}
}
