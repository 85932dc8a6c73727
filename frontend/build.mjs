// Builds svduty's front-end assets into build/frontend/svduty, which Django serves as static files.
// Nothing here is committed to the repository: it is rebuilt from the npm packages at set-up.
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as sass from 'sass'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const govuk = join(root, 'node_modules', 'govuk-frontend', 'dist', 'govuk')
const out = join(root, 'build', 'frontend', 'svduty')

rmSync(out, { recursive: true, force: true })
mkdirSync(join(out, 'css'), { recursive: true })
mkdirSync(join(out, 'js'), { recursive: true })

const css = sass.compile(join(root, 'frontend', 'scss', 'app.scss'), {
  loadPaths: [join(root, 'node_modules')],
  style: 'compressed',
  quietDeps: true,
  silenceDeprecations: ['import']
})
writeFileSync(join(out, 'css', 'app.css'), css.css)
cpSync(join(govuk, 'assets', 'images'), join(out, 'assets', 'images'), { recursive: true })
cpSync(join(govuk, 'govuk-frontend.min.js'), join(out, 'js', 'govuk-frontend.min.js'))
cpSync(join(govuk, 'govuk-frontend.min.js.map'), join(out, 'js', 'govuk-frontend.min.js.map'))
cpSync(join(root, 'frontend', 'js', 'init.mjs'), join(out, 'js', 'init.mjs'))
cpSync(join(root, 'node_modules', 'axe-core', 'axe.min.js'), join(root, 'build', 'axe.min.js'))
console.log(`front-end assets built in ${out}`)
