package twilio

import (
	"net/url"
	"testing"
)

// Twilio's documented example: auth token 12345, this URL and these
// parameters give this signature (its SDKs test against it too).
func TestSignatureMatchesTwiliosExample(t *testing.T) {
	form := url.Values{
		"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+14158675309"}, "Digits": {"1234"},
		"From": {"+14158675309"}, "To": {"+18005551212"},
	}
	const example = "https://mycompany.com/myapp.php?foo=1&bar=2"
	if got := Signature("12345", example, form); got != "RSOYDt4T1cUTdK1PDd93/VVr8B8=" {
		t.Errorf("signature %q", got)
	}
	form.Set("Digits", "9999")
	if got := Signature("12345", example, form); got == "RSOYDt4T1cUTdK1PDd93/VVr8B8=" {
		t.Error("a changed parameter kept the signature")
	}
}
