package main

import (
	"context"
	"fmt"

	"github.com/baton-oncall/baton/explain"
)

// explainIncident prints why an incident did what it did, from what it
// recorded as it decided (package explain).
func (a *app) explainIncident(ctx context.Context, args []string) error {
	fs := a.flags("explain ID", "Tells why an incident paged or was held, who was on call and why, each escalation step's planned and actual instant, and who acted through what.")
	asJSON := jsonFlag(fs)
	st, err := a.statusOf(ctx, fs, "explain", args)
	if err != nil {
		return err
	}
	x := explain.Of(st)
	if *asJSON {
		return a.printJSON(x)
	}
	_, err = fmt.Fprint(a.stdout, x.Text())
	return err
}
