package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/baton-oncall/baton/team"
)

// TeamsWithin bounds how long the starter waits for a worker to answer.
const TeamsWithin = 15 * time.Second

// Teams returns the worker's team file.
func Teams(ctx workflow.Context) (team.File, error) {
	var f team.File
	err := workflow.ExecuteActivity(withQuickActivity(ctx, "Read the worker's team file", TeamsWithin), a.WorkerTeams).Get(ctx, &f)
	return f, err
}
