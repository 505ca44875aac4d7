// Loaded by the book's pages that hold widgets, after require.js and before the
// Jupyter widgets HTML manager (embed-amd.js); see tools/offline_assets.py.
(function () {
  "use strict";
  // 1. The manager finds its icon fonts beside the URL RequireJS gives its
  //    modules, which by default is relative to the page (lectures/@jupyter-widgets/...).
  //    Point those modules at the folder this script was served from.
  var here = document.currentScript.src;
  var manager = here.slice(0, here.lastIndexOf("/") + 1) + "html-manager";
  window.require.config({
    paths: {
      "@jupyter-widgets/html-manager/dist": manager,
      "@jupyter-widgets": manager
    }
  });

  // 2. The Play widget switches its icon between play and pause by changing
  //    the class of the <i> in its button, but the theme's Font Awesome script
  //    has swapped that <i> for an <svg>: the widget throws, and the change
  //    never reaches the figure.  Give it a fresh <i> each time instead (Font
  //    Awesome converts that one too).  Patching the class's prototype also
  //    covers views that rendered before this ran.
  document.addEventListener("DOMContentLoaded", function () {
    if (!document.querySelector('script[src*="html-manager/embed-amd.js"]')) {
      return;  // no widget manager on this page, so no widgets to mend
    }
    window.require(["@jupyter-widgets/controls"], function (controls) {
      controls.PlayView.prototype.updatePlaying = function () {
        var icon = document.createElement("i");
        icon.className = this.model.get("playing") ? "fa fa-pause" : "fa fa-play";
        this.playPauseButton.replaceChildren(icon);
      };
    });
  });

  // 3. The manager typesets widget labels with MathJax 2's MathJax.Hub.Queue;
  //    the book loads MathJax 3, which has no Hub.  MathJax (a deferred script)
  //    has run by DOMContentLoaded, and the widgets render after it.  Where
  //    MathJax did not load, the labels stay as they are.
  document.addEventListener("DOMContentLoaded", function () {
    var mathjax = window.MathJax;
    if (!mathjax || mathjax.Hub) {
      return;
    }
    mathjax.Hub = {
      Queue: function () {
        Array.prototype.forEach.call(arguments, function (command) {
          if (mathjax.startup && Array.isArray(command) && command[0] === "Typeset"
              && command[2]) {
            mathjax.startup.promise = mathjax.startup.promise.then(function () {
              return mathjax.typesetPromise([command[2]]);
            });
          }
        });
      }
    };
  });
})();
