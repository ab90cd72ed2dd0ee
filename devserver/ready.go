package devserver

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	commonpb "go.temporal.io/api/common/v1"
	namespacepb "go.temporal.io/api/namespace/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
)

// waitReady returns once the frontend at addr answers for namespace and a
// call that needs the history shard gets an answer from it.
//
// The gRPC port opens before the services behind it are ready: answering
// DescribeNamespace needs only the frontend and the database, while
// anything about a workflow needs the history service to own its shard.
// Asking for a workflow that does not exist covers the second: NotFound
// comes from the shard itself.
// With TLS it connects as the server's own clients do.
func waitReady(ctx context.Context, addr, namespace string, t *tlsSetup) error {
	// A server that is not ready within a minute is not going to be; do not
	// leave a caller without a deadline hanging.
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()

	conn, err := dialFrontend(addr, t)
	if err != nil {
		return err
	}
	defer conn.Close()
	client := workflowservice.NewWorkflowServiceClient(conn)

	probe := func() error {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		if _, err := client.DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace}); err != nil {
			return err
		}
		_, err := client.DescribeWorkflowExecution(ctx, &workflowservice.DescribeWorkflowExecutionRequest{
			Namespace: namespace,
			Execution: &commonpb.WorkflowExecution{WorkflowId: "devserver-readiness-probe-" + uuid.NewString()},
		})
		// A raw gRPC client sees status errors, not serviceerror types.
		if status.Code(err) == codes.NotFound {
			return nil
		}
		if err == nil {
			return errors.New("readiness probe found a workflow it did not expect")
		}
		return err
	}

	const interval = 20 * time.Millisecond
	timer := time.NewTimer(0)
	defer timer.Stop()
	lastErr := errors.New("not probed")
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("devserver: frontend %s not ready: %w (last error: %v)", addr, context.Cause(ctx), lastErr)
		case <-timer.C:
		}
		if lastErr = probe(); lastErr == nil {
			return nil
		}
		timer.Reset(interval)
	}
}

// dialFrontend connects to the frontend at addr as the server's own
// clients do: with TLS when t is not nil.
func dialFrontend(addr string, t *tlsSetup) (*grpc.ClientConn, error) {
	creds := insecure.NewCredentials()
	if t != nil {
		creds = credentials.NewTLS(t.frontendClient)
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		return nil, fmt.Errorf("devserver: connect to frontend %s: %w", addr, err)
	}
	return conn, nil
}

// ensureRetention sets the namespace's retention to retention unless it
// has it already, and returns the retention it had. A namespace is created
// with the retention of the Config that first starts it; this carries a
// changed setting over to the next start.
func ensureRetention(ctx context.Context, addr, namespace string, retention time.Duration, t *tlsSetup) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := dialFrontend(addr, t)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	client := workflowservice.NewWorkflowServiceClient(conn)
	ns, err := client.DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
	if err != nil {
		return 0, fmt.Errorf("devserver: describe namespace %q: %w", namespace, err)
	}
	had := ns.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration()
	if had == retention {
		return had, nil
	}
	_, err = client.UpdateNamespace(ctx, &workflowservice.UpdateNamespaceRequest{
		Namespace: namespace,
		Config:    &namespacepb.NamespaceConfig{WorkflowExecutionRetentionTtl: durationpb.New(retention)},
	})
	if err != nil {
		return had, fmt.Errorf("devserver: set the retention of namespace %q to %s: %w", namespace, retention, err)
	}
	return had, nil
}
