// Starts the GOV.UK Design System's components. Every page also works without it.
import { initAll } from './govuk-frontend.min.js'

initAll()
