package codec_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop/codec"
	"github.com/coffeeshop/coffeeshop/devserver"
	"github.com/coffeeshop/coffeeshop/devserver/devservertest"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

const (
	taskQueue = "codec-test"
	// The secrets below must appear nowhere in the stored history.
	phoneInput   = "+447911123456"
	activityOut  = "Your coffeeshop verification code is 482915"
	updateArg    = "guess 771203"
	wrongArg     = "wrong 660318"
	workflowDone = "verified +447911123456"
)

// echo is an activity whose result differs from its input, so that both
// reach history.
func echo(_ context.Context, phone string) (string, error) { return activityOut, nil }

// secretWorkflow puts a secret into every kind of payload: its input, an
// activity's input and result, an Update's argument and result, and its
// own result.
func secretWorkflow(ctx workflow.Context, phone string) (string, error) {
	var guess string
	if err := workflow.SetUpdateHandler(ctx, "guess", func(ctx workflow.Context, g string) (string, error) {
		if strings.HasPrefix(g, "wrong") {
			return "", temporal.NewApplicationError("refused "+g, "WrongGuess")
		}
		guess = g
		return "took " + g, nil
	}); err != nil {
		return "", err
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	var text string
	if err := workflow.ExecuteActivity(ctx, echo, phone).Get(ctx, &text); err != nil {
		return "", err
	}
	if err := workflow.Await(ctx, func() bool { return guess != "" }); err != nil {
		return "", err
	}
	return workflowDone, nil
}

// TestHistoryIsEncrypted runs a workflow on the embedded server with a
// client and worker that encrypt, then reads the raw history with a client
// that does not: every payload in it is encrypted and no secret is in it.
func TestHistoryIsEncrypted(t *testing.T) {
	const codecURL = "http://127.0.0.1:1/codec"
	srv := devservertest.Start(t, devserver.Config{UIAddr: "127.0.0.1:0", CodecEndpoint: codecURL})
	c := newCodec(t, newKey(t, "k1"))
	quiet := sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))

	tc, err := client.Dial(client.Options{HostPort: srv.FrontendAddr(), Logger: quiet,
		DataConverter: codec.DataConverter(c), FailureConverter: codec.FailureConverter(c)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tc.Close)
	w := worker.New(tc, taskQueue, worker.Options{})
	w.RegisterWorkflow(secretWorkflow)
	w.RegisterActivity(echo)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "codec-history", TaskQueue: taskQueue}, secretWorkflow, phoneInput)
	if err != nil {
		t.Fatal(err)
	}
	// A failure's message is encrypted too, and read back in plain text.
	wrong, err := tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: run.GetID(), UpdateName: "guess", Args: []any{wrongArg}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := wrong.Get(ctx, nil); err == nil || !strings.Contains(err.Error(), "refused "+wrongArg) {
		t.Fatalf("wrong guess answered %v; want the failure's message decoded", err)
	}
	h, err := tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: run.GetID(), UpdateName: "guess", Args: []any{updateArg}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		t.Fatal(err)
	}
	var answer string
	if err := h.Get(ctx, &answer); err != nil || answer != "took "+updateArg {
		t.Fatalf("update answered %q, %v", answer, err)
	}
	var result string
	if err := run.Get(ctx, &result); err != nil || result != workflowDone {
		t.Fatalf("workflow returned %q, %v; the codec client must read its own payloads", result, err)
	}

	// A client without the codec sees what the server stores.
	raw, err := client.Dial(client.Options{HostPort: srv.FrontendAddr(), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var payloads int
	iter := raw.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		bytes, err := proto.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{phoneInput, "482915", "771203", "660318", "json/plain"} {
			if strings.Contains(string(bytes), secret) {
				t.Errorf("event %d (%s) holds %q in plain text", ev.GetEventId(), ev.GetEventType(), secret)
			}
		}
		eachPayload(ev.ProtoReflect(), func(p *commonpb.Payload) {
			payloads++
			if enc := string(p.GetMetadata()[codec.MetadataEncoding]); enc != codec.EncodingEncrypted {
				t.Errorf("event %d (%s) has a payload with encoding %q", ev.GetEventId(), ev.GetEventType(), enc)
			}
			if id := string(p.GetMetadata()[codec.MetadataKeyID]); id != "k1" {
				t.Errorf("event %d (%s) has a payload of key %q", ev.GetEventId(), ev.GetEventType(), id)
			}
		})
	}
	// Workflow input, activity input and result, Update argument and
	// result, workflow result.
	if payloads < 6 {
		t.Errorf("history holds %d payloads; want at least 6", payloads)
	}

	// The UI learns where to decode them.
	resp, err := http.Get(srv.UIURL() + "/api/v1/settings")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), `"Endpoint":"`+codecURL+`"`) {
		t.Errorf("UI settings %.400s do not name the codec endpoint %s", body, codecURL)
	}
}

// eachPayload calls f with every Payload inside m, however deep.
func eachPayload(m protoreflect.Message, f func(*commonpb.Payload)) {
	if p, ok := m.Interface().(*commonpb.Payload); ok {
		f(p)
		return
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			for i := 0; i < v.List().Len(); i++ {
				eachPayload(v.List().Get(i).Message(), f)
			}
		case fd.IsMap() && fd.MapValue().Message() != nil:
			v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
				eachPayload(mv.Message(), f)
				return true
			})
		case !fd.IsList() && !fd.IsMap() && fd.Message() != nil:
			eachPayload(v.Message(), f)
		}
		return true
	})
}
