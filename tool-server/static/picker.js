// The deep linking picker: filters the competence tree as the instructor
// types, and keeps the grade field in step with the "graded" box.
const search = document.getElementById("cf-search");
const items = [...document.querySelectorAll(".cf-item")];
const groups = [...document.querySelectorAll(".cf-group")];
const status = document.getElementById("cf-search-status");

function filter() {
  const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
  let shown = 0;
  for (const item of items) {
    const text = item.dataset.search.toLowerCase();
    const match = words.every((word) => text.includes(word));
    item.hidden = !match;
    if (match) shown += 1;
  }
  for (const group of groups) {
    const visible = group.querySelector(".cf-item:not([hidden])") !== null;
    group.hidden = !visible;
    if (words.length > 0 && visible) group.open = true;
  }
  status.textContent = words.length === 0 ? "" : shown === 1 ? "1 competence matches" : `${shown} competences match`;
}

search?.addEventListener("input", filter);

const graded = document.getElementById("cf-graded");
const maximum = document.getElementById("cf-score-maximum");
function syncGrade() {
  if (graded && maximum) maximum.disabled = !graded.checked;
}
graded?.addEventListener("change", syncGrade);
syncGrade();
