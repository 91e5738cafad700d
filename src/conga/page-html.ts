// The page shell and its style sheet (served from memory; the logic is ./page/app.ts compiled to
// /js/app.js). No external fonts, scripts or images.

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>conga</title>
<link rel="stylesheet" href="/style.css">
<script type="module" src="/js/app.js"></script>
</head>
<body>
<header>
  <div class="brand">conga <span id="cluster-name"></span></div>
  <div id="quorum" class="badge">…</div>
  <div id="live" class="live" title="live updates">●</div>
  <div class="spacer"></div>
  <div id="whoami"></div>
  <button id="logout" hidden>Log out</button>
</header>
<nav id="tabs" hidden>
  <a href="#overview" data-tab="overview">Overview</a>
  <a href="#fencing" data-tab="fencing">Fencing</a>
  <a href="#config" data-tab="config">Configuration</a>
  <a href="#timeline" data-tab="timeline">Timeline</a>
  <a href="#users" data-tab="users" data-role="admin">Users</a>
  <a href="#audit" data-tab="audit" data-role="admin">Audit log</a>
</nav>
<div id="lost" class="banner" role="alert" hidden></div>
<main id="main">
  <section id="login" class="card narrow" hidden>
    <h1>Log in</h1>
    <form id="login-form">
      <label>User <input name="user" autocomplete="username" required></label>
      <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
      <button type="submit">Log in</button>
      <p id="login-error" class="error" role="alert"></p>
    </form>
  </section>
  <section id="view" hidden></section>
</main>
<dialog id="dialog"><form method="dialog" id="dialog-form"><div id="dialog-body"></div>
<div class="buttons"><button value="cancel" id="dialog-cancel">Cancel</button><button value="ok" id="dialog-ok" class="primary">Confirm</button></div></form></dialog>
<div id="toast" role="status"></div>
</body>
</html>
`;

export const PAGE_CSS = `
:root { --bg:#f6f7f9; --fg:#1d232b; --mut:#5d6673; --card:#fff; --line:#d9dde3; --ok:#1a7f37; --bad:#c62828; --warn:#a86400; --acc:#2456a6; }
* { box-sizing: border-box; }
body { margin:0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background:var(--bg); color:var(--fg); }
header { display:flex; align-items:center; gap:12px; padding:8px 16px; background:#1f2a37; color:#fff; }
header .brand { font-weight:700; font-size:16px; }
header .brand span { font-weight:400; opacity:.85; margin-left:6px; }
.spacer { flex:1; }
.badge { padding:2px 8px; border-radius:10px; font-size:12px; background:#555; color:#fff; }
.badge.ok { background:var(--ok); } .badge.bad { background:var(--bad); } .badge.warn { background:var(--warn); }
.live { color:#888; font-size:12px; } .live.on { color:#4caf50; }
header button { background:transparent; color:#fff; border:1px solid #fff6; }
nav { display:flex; gap:2px; padding:0 16px; background:#fff; border-bottom:1px solid var(--line); }
nav a { padding:8px 12px; color:var(--mut); text-decoration:none; border-bottom:2px solid transparent; }
nav a.active { color:var(--fg); border-color:var(--acc); font-weight:600; }
main { padding:16px; max-width:1200px; margin:0 auto; }
.card { background:var(--card); border:1px solid var(--line); border-radius:6px; padding:12px 16px; margin-bottom:16px; }
.card.narrow { max-width:360px; margin:40px auto; }
.card h2 { margin:0 0 8px; font-size:15px; }
h1 { font-size:18px; margin:0 0 12px; }
label { display:block; margin:8px 0; } label input, label select { display:block; width:100%; padding:6px; margin-top:2px; }
table { width:100%; border-collapse:collapse; }
th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { color:var(--mut); font-weight:600; font-size:12px; }
button { padding:4px 10px; border:1px solid var(--line); border-radius:4px; background:#fff; cursor:pointer; font:inherit; }
button.primary { background:var(--acc); color:#fff; border-color:var(--acc); }
button.danger { background:var(--bad); color:#fff; border-color:var(--bad); }
button:disabled { opacity:.5; cursor:not-allowed; }
.state-started { color:var(--ok); font-weight:600; } .state-failed, .state-recovering, .offline { color:var(--bad); font-weight:600; }
.state-stopped, .state-disabled { color:var(--mut); } .online { color:var(--ok); font-weight:600; }
.flag { display:inline-block; padding:0 5px; border-radius:3px; background:#e3e8ef; font-size:11px; margin-right:3px; }
.error { color:var(--bad); } .muted { color:var(--mut); } .fence-status div, .rs { font-weight:400; }
.grid { display:grid; grid-template-columns: 1fr 1fr; gap:16px; }
@media (max-width:800px) { .grid { grid-template-columns:1fr; } }
pre, textarea, .code, .gutter { font: 12px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
.editor { display:flex; border:1px solid var(--line); border-radius:4px; background:#fff; height:420px; overflow:auto; }
.gutter { padding:6px 4px; line-height:1.4; text-align:right; color:#999; background:#f2f3f5; user-select:none; min-width:3.2em; white-space:pre; }
.gutter .bad { color:#fff; background:var(--bad); }
textarea { flex:1; border:0; padding:6px; resize:none; outline:none; white-space:pre; overflow-x:auto; overflow-y:hidden; min-height:100%; line-height:1.4; }
.gutter div { height:1.4em; }
.problems li { margin:2px 0; }
.tree div { padding:1px 0; } .tree .t { font-weight:600; }
.actions button { margin:1px 2px; }
dialog { border:1px solid var(--line); border-radius:6px; max-width:640px; width:90%; }
dialog .buttons { display:flex; justify-content:flex-end; gap:8px; margin-top:12px; }
body.lost main { opacity:.55; }
.banner { background:#fff3cd; border-bottom:1px solid #e0c36a; padding:8px 16px; }
#toast { position:fixed; bottom:16px; right:16px; max-width:420px; }
#toast div { background:#1f2a37; color:#fff; padding:8px 12px; border-radius:4px; margin-top:6px; }
#toast div.bad { background:var(--bad); }
.phase { display:flex; gap:10px; } .phase .ms { min-width:7em; text-align:right; color:var(--mut); font-variant-numeric: tabular-nums; }
ol.plan li { margin:3px 0; } .why li { margin:2px 0; }
`;
