// Zoom for the treemaps: a click on a directory (or on a tile inside it) shows that directory
// alone, a click on the root or Escape shows the whole image again. The picture is complete
// without this script; the last line tells the tests that it ran to its end.
(function () {
  "use strict";
  var maps = document.querySelectorAll("svg.treemap");
  function reset(svg) { svg.setAttribute("viewBox", svg.getAttribute("data-home")); }
  function frame(svg, tile) {
    while (tile && !tile.classList.contains("frame") && !tile.classList.contains("root")) {
      tile = svg.querySelector('rect[data-id="' + tile.getAttribute("data-parent") + '"]');
    }
    return tile;
  }
  Array.prototype.forEach.call(maps, function (svg) {
    svg.setAttribute("data-home", svg.getAttribute("viewBox"));
    svg.addEventListener("click", function (event) {
      var tile = frame(svg, event.target.closest("rect.tile"));
      if (!tile || tile.classList.contains("root")) { reset(svg); return; }
      var box = ["x", "y", "width", "height"].map(function (a) { return tile.getAttribute(a); });
      svg.setAttribute("viewBox", box.join(" "));
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { Array.prototype.forEach.call(maps, reset); }
  });
  document.body.setAttribute("data-ok", "1");
})();
