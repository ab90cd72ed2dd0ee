package verify

import (
	"context"

	"github.com/coffeeshop/coffeeshop"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/workflow"
)

// The request ID of the API call that started a verification, or sent it an
// Update, travels with the call in a Temporal header (RequestIDPropagator),
// and from the workflow on to the activities it schedules. The workflow's
// and activities' loggers add it to their records (RequestIDInterceptor).
//
// Each Update handler runs in a context of its own, made from the Update's
// header, so a verify's log lines carry the verify request's ID and not the
// signup's. Headers are in workflow history and are read again on replay;
// they take no part in the workflow's commands.

// requestIDHeader is the Temporal header field of the request ID.
const requestIDHeader = "coffeeshop-request-id"

// requestIDKey holds the request ID in a workflow.Context.
type requestIDKey struct{}

// RequestIDPropagator returns the workflow.ContextPropagator of request
// IDs, for client.Options.ContextPropagators of both the API's client and
// the worker's.
func RequestIDPropagator() workflow.ContextPropagator { return requestIDPropagator{} }

type requestIDPropagator struct{}

// Inject writes the request ID of a client call's context to its header.
func (requestIDPropagator) Inject(ctx context.Context, w workflow.HeaderWriter) error {
	return writeRequestID(coffeeshop.RequestIDFrom(ctx), w)
}

// InjectFromWorkflow writes the workflow context's request ID to the
// header of what the workflow schedules (activities, local activities).
func (requestIDPropagator) InjectFromWorkflow(ctx workflow.Context, w workflow.HeaderWriter) error {
	return writeRequestID(workflowRequestID(ctx), w)
}

// Extract puts an activity's request ID in its context.
func (requestIDPropagator) Extract(ctx context.Context, r workflow.HeaderReader) (context.Context, error) {
	if id := readRequestID(r); id != "" {
		return coffeeshop.WithRequestID(ctx, id), nil
	}
	return ctx, nil
}

// ExtractToWorkflow puts the request ID of the workflow's start, or of an
// Update, in its workflow context. The value is set even when the header
// has none, so that an Update without an ID does not log the start's.
func (requestIDPropagator) ExtractToWorkflow(ctx workflow.Context, r workflow.HeaderReader) (workflow.Context, error) {
	return withWorkflowRequestID(ctx, readRequestID(r)), nil
}

func writeRequestID(id string, w workflow.HeaderWriter) error {
	if id == "" {
		return nil
	}
	p, err := converter.GetDefaultDataConverter().ToPayload(id)
	if err != nil {
		return err
	}
	w.Set(requestIDHeader, p)
	return nil
}

// readRequestID returns the header's request ID, or "" when it has none or
// one that does not decode or is not valid: a bad header must not fail a
// workflow task, and must not reach the logs.
func readRequestID(r workflow.HeaderReader) string {
	p, ok := r.Get(requestIDHeader)
	if !ok {
		return ""
	}
	var id string
	if err := converter.GetDefaultDataConverter().FromPayload(p, &id); err != nil || !coffeeshop.ValidRequestID(id) {
		return ""
	}
	return id
}

func workflowRequestID(ctx workflow.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

func withWorkflowRequestID(ctx workflow.Context, id string) workflow.Context {
	return workflow.WithValue(ctx, requestIDKey{}, id)
}

// RequestIDInterceptor returns the worker interceptor that adds the request
// ID of the context to the loggers of workflow.GetLogger and
// activity.GetLogger, as coffeeshop.RequestIDLogKey. It goes in
// worker.Options.Interceptors; RequestIDPropagator must be in the client's
// ContextPropagators for there to be IDs.
func RequestIDInterceptor() interceptor.WorkerInterceptor { return &requestIDInterceptor{} }

type requestIDInterceptor struct {
	interceptor.WorkerInterceptorBase
}

func (*requestIDInterceptor) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &requestIDWorkflowInbound{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}}
}

func (*requestIDInterceptor) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &requestIDActivityInbound{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}}
}

type requestIDWorkflowInbound struct {
	interceptor.WorkflowInboundInterceptorBase
}

func (w *requestIDWorkflowInbound) Init(out interceptor.WorkflowOutboundInterceptor) error {
	return w.Next.Init(&requestIDWorkflowOutbound{WorkflowOutboundInterceptorBase: interceptor.WorkflowOutboundInterceptorBase{Next: out}})
}

type requestIDWorkflowOutbound struct {
	interceptor.WorkflowOutboundInterceptorBase
}

// GetLogger returns the SDK's workflow logger (replay-aware: silent while
// the workflow is replayed) with the context's request ID.
func (w *requestIDWorkflowOutbound) GetLogger(ctx workflow.Context) log.Logger {
	l := w.Next.GetLogger(ctx)
	if id := workflowRequestID(ctx); id != "" {
		return log.With(l, coffeeshop.RequestIDLogKey, id)
	}
	return l
}

type requestIDActivityInbound struct {
	interceptor.ActivityInboundInterceptorBase
}

func (a *requestIDActivityInbound) Init(out interceptor.ActivityOutboundInterceptor) error {
	return a.Next.Init(&requestIDActivityOutbound{ActivityOutboundInterceptorBase: interceptor.ActivityOutboundInterceptorBase{Next: out}})
}

type requestIDActivityOutbound struct {
	interceptor.ActivityOutboundInterceptorBase
}

// GetLogger returns the SDK's activity logger with the context's request ID.
func (a *requestIDActivityOutbound) GetLogger(ctx context.Context) log.Logger {
	l := a.Next.GetLogger(ctx)
	if id := coffeeshop.RequestIDFrom(ctx); id != "" {
		return log.With(l, coffeeshop.RequestIDLogKey, id)
	}
	return l
}

// WorkerInterceptors are the interceptors a verification worker runs with
// (worker.Options.Interceptors).
func WorkerInterceptors() []interceptor.WorkerInterceptor {
	return []interceptor.WorkerInterceptor{RequestIDInterceptor()}
}
