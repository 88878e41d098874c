package main

import (
	"context"
	"fmt"

	"github.com/baton-oncall/baton/temporaladmin"
)

func (a *app) setup(ctx context.Context, args []string) error {
	fs := a.flags("setup", "Registers Baton's search attributes in TEMPORAL_NAMESPACE and raises its retention to 30 days.\n"+
		"For self-hosted servers; on Temporal Cloud, add the search attributes in the Cloud UI or with tcld.")
	c, err := a.parseConnect(fs, args)
	if err != nil {
		return err
	}
	res, err := temporaladmin.EnsureNamespace(ctx, c, a.cfg.TemporalNamespace)
	if err != nil {
		return err
	}
	if len(res.AddedSearchAttributes) == 0 && res.RetentionRaisedTo == 0 {
		fmt.Fprintf(a.stdout, "namespace %s is ready; nothing to change\n", a.cfg.TemporalNamespace)
		return nil
	}
	for _, name := range res.AddedSearchAttributes {
		fmt.Fprintf(a.stdout, "added search attribute %s\n", name)
	}
	if res.RetentionRaisedTo > 0 {
		fmt.Fprintf(a.stdout, "raised retention to %s\n", res.RetentionRaisedTo)
	}
	return nil
}
