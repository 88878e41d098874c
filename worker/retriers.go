package worker

import (
	"fmt"
	"os"

	"github.com/baton-oncall/baton/activities/retries"
	"github.com/baton-oncall/baton/activities/retries/airflow"
	"github.com/baton-oncall/baton/activities/retries/dbtcloud"
	"github.com/baton-oncall/baton/activities/retries/hook"
	"github.com/baton-oncall/baton/team"
)

// retrierFor makes the retrier of a team's retry rule, its credentials
// read from the environment when the retry is made, so that a variable
// set later takes effect without a new team file.
func retrierFor(r team.Retry) (retries.Retrier, error) {
	need := func(name string) (string, error) {
		v, ok := os.LookupEnv(name)
		if !ok || v == "" {
			return "", fmt.Errorf("%w: %s is not set where the worker runs", retries.ErrCannotRetry, name)
		}
		return v, nil
	}
	switch r.Action {
	case team.RetryAirflow:
		c := airflow.Client{BaseURL: r.Airflow.URL}
		var err error
		if r.Airflow.TokenEnv != "" {
			c.Token, err = need(r.Airflow.TokenEnv)
			return c, err
		}
		if c.User, err = need(r.Airflow.UserEnv); err != nil {
			return nil, err
		}
		c.Password, err = need(r.Airflow.PasswordEnv)
		return c, err
	case team.RetryDbtCloud:
		token, err := need(r.DbtCloud.TokenEnv)
		return dbtcloud.Client{BaseURL: r.DbtCloud.URL, AccountID: r.DbtCloud.AccountID, Token: token, JobID: r.DbtCloud.JobID}, err
	case team.RetryWebhook:
		secret, err := need(r.Webhook.SecretEnv)
		return hook.Client{URL: r.Webhook.URL, Secret: []byte(secret)}, err
	}
	return nil, fmt.Errorf("%w: unknown retry action %q", retries.ErrCannotRetry, r.Action)
}
