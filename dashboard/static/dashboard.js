// Loaded in <head>, before the page is drawn: lets the CSS show JavaScript-only controls.
document.documentElement.className = "js";
