package cli

import (
	"slices"
	"testing"
)

// The signup page is off in api unless asked for; return origins are read
// from the flag or the variable, in the form browsers write them.
func TestSignupSettings(t *testing.T) {
	if c := parsed[*API](t, "api"); c.SignupPage || len(c.ReturnOrigins()) != 0 {
		t.Errorf("api defaults: page %v, origins %v", c.SignupPage, c.ReturnOrigins())
	}
	c := parsed[*API](t, "api", "--signup-page", "--signup-return-origins", "https://Shop.Example.com, http://localhost:3000/,https://a.example:443,http://[::1]:8080")
	want := []string{"https://shop.example.com", "http://localhost:3000", "https://a.example", "http://[::1]:8080"}
	if !c.SignupPage || !slices.Equal(c.ReturnOrigins(), want) {
		t.Errorf("page %v, origins %q; want %q", c.SignupPage, c.ReturnOrigins(), want)
	}
	t.Setenv("COFFEESHOP_SIGNUP_PAGE", "true")
	t.Setenv("COFFEESHOP_SIGNUP_RETURN_ORIGINS", "https://shop.example.com")
	if c := parsed[*API](t, "api"); !c.SignupPage || !slices.Equal(c.ReturnOrigins(), []string{"https://shop.example.com"}) {
		t.Errorf("from the environment: page %v, origins %v", c.SignupPage, c.ReturnOrigins())
	}
	if d := parsed[*Dev](t, "dev"); !slices.Equal(d.ReturnOrigins(), []string{"https://shop.example.com"}) {
		t.Errorf("dev from the environment: origins %v", d.ReturnOrigins())
	}
}

func TestBadReturnOriginsNameTheFlag(t *testing.T) {
	for _, o := range []string{
		"shop.example.com", "ftp://shop.example.com", "https://", "https://shop.example.com/path",
		"https://shop.example.com?q=1", "https://shop.example.com#x", "https://user@shop.example.com",
		"https://shop.example.com:0", "https://shop.example.com:99999", "https://shop.example.com:x", "javascript:alert(1)",
		"https://:443",
	} {
		refused(t, "--signup-return-origins", "dev", "--signup-return-origins", o)
		refused(t, "--signup-return-origins", "api", "--signup-return-origins", "https://ok.example,"+o)
	}
	refused(t, "--signup-page", "dev", "--signup-page")
	refused(t, "add --signup-page", "api", "--code-secret", testSecretHex, "--no-encryption", "--signup-return-origins", "https://shop.example.com")
	loaded[*API](t, "api", "--code-secret", testSecretHex, "--no-encryption", "--signup-page", "--signup-return-origins", "https://shop.example.com")
}
