package verify_test

import (
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"

	"github.com/coffeeshop/coffeeshop/verify"
)

// cost is what one verification costs the engine, read from its history.
type cost struct {
	events          int // history events
	workflowTasks   int // workflow tasks completed
	activityTasks   int // activities scheduled (each a task through matching)
	localActivities int // local activities (markers; no task of their own)
	versionMarkers  int // workflow.GetVersion markers
	upserts         int // search attribute upserts (each a visibility write)
	timers          int
	updates         int // Updates accepted
}

// eachEvent calls each with every event of the history of the customer's
// verification (its latest run), in order.
func (s *stack) eachEvent(id string, each func(*historypb.HistoryEvent)) {
	s.t.Helper()
	it := s.tc.GetWorkflowHistory(ctx(s.t), verify.WorkflowID(id), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			s.t.Fatal(err)
		}
		each(e)
	}
}

func (s *stack) cost(id string) cost {
	s.t.Helper()
	var c cost
	s.eachEvent(id, func(e *historypb.HistoryEvent) {
		c.events++
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
			c.workflowTasks++
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			c.activityTasks++
		case enumspb.EVENT_TYPE_MARKER_RECORDED:
			if e.GetMarkerRecordedEventAttributes().GetMarkerName() == "Version" {
				c.versionMarkers++
			} else {
				c.localActivities++
			}
		case enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
			c.upserts++
		case enumspb.EVENT_TYPE_TIMER_STARTED:
			c.timers++
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
			c.updates++
		}
	})
	return c
}

// TestCostOfOneVerification records what the happy path — create, then the
// right code — costs the engine, and holds it to the budget that
// docs/benchmarks.md reports. Run with -v to see the figures.
func TestCostOfOneVerification(t *testing.T) {
	s := newStack(t, verify.FixedCode("1234"), verify.Client{})
	c, err := s.create(newCustomer(1), "cost-1")
	if err != nil {
		t.Fatal(err)
	}
	if r := s.verify(c, "1234", "cost-verify-1"); r.String() != "SUCCESS" {
		t.Fatalf("verify: %v", r)
	}
	s.waitClosed(c)
	got := s.cost(c.ID)
	t.Logf("one verification: %d history events, %d workflow tasks, %d activity tasks, %d local activities, %d timers, %d updates",
		got.events, got.workflowTasks, got.activityTasks, got.localActivities, got.timers, got.updates)
	// The budget: a workflow task for the start with the create Update, in
	// which the row is written and the first code sent (two local
	// activities: see inlineSendOptions), and one for the verify Update
	// (the mark a local activity). The run has its version from its input
	// (Params.Version): no version marker, and no search attribute upsert
	// with it, which would cost a visibility write.
	if got.workflowTasks > 2 || got.activityTasks != 0 || got.localActivities != 3 || got.versionMarkers != 0 || got.upserts != 0 || got.events > 16 {
		t.Errorf("one verification cost %+v; the budget is 2 workflow tasks, no activity task, 3 local activities, no version marker, no upsert, 16 events", got)
	}
	if got.updates != 2 {
		t.Errorf("%d updates accepted, want 2 (create, verify)", got.updates)
	}
}
