package team

import (
	"strings"
	"testing"
	"time"
)

func withRetries(list string) string {
	return goodFile + "    incidents:\n      retries:\n" + list
}

func TestRetryRulesMatchAndDefault(t *testing.T) {
	f, err := Parse([]byte(withRetries(`
        - match: {service: airflow, labels: {dag_id: orders_daily}}
          action: airflow
          wait: 20m
          airflow: {url: "https://airflow.example.com/api/v1", user_env: AIRFLOW_USER, password_env: AIRFLOW_PASSWORD}
        - match: {alert_name: JobFailed}
          action: webhook
          attempts: 2
          page_at_once: [critical, high]
          webhook: {url: "https://jobs.example.com/retry", secret_env: RETRY_SECRET}
`)))
	if err != nil {
		t.Fatal(err)
	}
	tm := f.Teams[0]
	dag := map[string]string{"dag_id": "orders_daily", "run_id": "r1"}
	for _, tc := range []struct {
		name                         string
		severity, service, alertName string
		details                      map[string]string
		want                         string // the rule's action, "" for none
	}{
		{"the DAG's failure", "high", "airflow", "DagFailed", dag, RetryAirflow},
		{"critical pages at once by default", "critical", "airflow", "DagFailed", dag, ""},
		{"another DAG", "high", "airflow", "DagFailed", map[string]string{"dag_id": "users"}, ""},
		{"another service", "high", "dbt", "DagFailed", dag, ""},
		{"by alert name", "medium", "", "JobFailed", nil, RetryWebhook},
		{"a severity the rule pages at once", "high", "", "JobFailed", nil, ""},
	} {
		r, ok := tm.RetryFor(tc.severity, tc.service, tc.alertName, tc.details)
		if got := map[bool]string{true: r.Action}[ok]; got != tc.want {
			t.Errorf("%s: rule %q, want %q", tc.name, got, tc.want)
		}
	}
	r, _ := tm.RetryFor("high", "airflow", "", dag)
	if r.WaitFor() != 20*time.Minute || r.Tries() != 1 {
		t.Errorf("airflow rule: wait %s, tries %d", r.WaitFor(), r.Tries())
	}
	if (Retry{}).WaitFor() != DefaultRetryWait {
		t.Error("no default wait")
	}
}

func TestRetryRulesAreChecked(t *testing.T) {
	_, err := Parse([]byte(withRetries(`
        - {action: airflow, airflow: {url: "https://a.example.com/api/v1", token_env: T}}
        - {match: {service: x}, action: dbt, wait: 3d, attempts: 9, page_at_once: [urgent]}
        - {match: {service: x}, action: airflow, airflow: {url: nowhere, user_env: U}}
        - {match: {service: x}, action: webhook, webhook: {url: "https://h.example.com", secret_env: "not a name"}}
        - {match: {service: x}, action: webhook}
        - {match: {service: x}, action: dbt_cloud, dbt_cloud: {url: "https://cloud.getdbt.com", account_id: acme, token_env: DBT_TOKEN}}
        - {match: {service: x}, action: dbt_cloud}
`)))
	if err == nil {
		t.Fatal("bad rules parsed")
	}
	for _, want := range []string{
		`incidents.retries[0].match: missing`,
		`incidents.retries[1].action: "dbt" is not one of airflow, dbt_cloud, webhook`,
		`incidents.retries[1].wait: "3d" is not a duration between 1s and 1d`,
		`incidents.retries[1].attempts: must be between 1 and 5`,
		`incidents.retries[1].page_at_once: "urgent" is not one of`,
		`incidents.retries[2].airflow.url: "nowhere" is not an absolute URL`,
		`incidents.retries[3].webhook.secret_env: "not a name" is not an environment variable name`,
		`incidents.retries[4].webhook: missing`,
		`incidents.retries[5].dbt_cloud.account_id: "acme" is not a dbt Cloud account ID`,
		`incidents.retries[6].dbt_cloud: missing`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%s", want, err)
		}
	}
	_, err = Parse([]byte(withRetries(`
        - {match: {service: x}, action: airflow, airflow: {url: "https://a.example.com/api/v1", user_env: U}}
`)))
	if err == nil || !strings.Contains(err.Error(), "name user_env and password_env, or token_env") {
		t.Errorf("half the credentials: %v", err)
	}
}
